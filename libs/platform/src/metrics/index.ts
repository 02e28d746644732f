export * from './http-metrics';
export * from './metrics.controller';
export * from './service-metrics';
