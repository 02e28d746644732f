export * from './access-log';
export * from './edge-clients';
export * from './edge-suites';
