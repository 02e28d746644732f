export * from './env-parser';
export * from './service-config';
export * from './service-config.token';
