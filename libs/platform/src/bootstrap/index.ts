export * from './service-app';
export * from './start-service';
