export * from './dashboard-metrics';
export * from './dashboard-suite';
export * from './alert-rules';
