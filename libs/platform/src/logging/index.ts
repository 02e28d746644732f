export * from './correlation-id';
export * from './logger.module';
export * from './bootstrap-logger';
export * from './framework-chatter';
