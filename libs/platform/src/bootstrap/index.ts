export * from './service-app';
export * from './start-service';
export * from './service-definition';
