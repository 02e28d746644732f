export * from './concurrent-index';
export * from './data-source-options';
export * from './database.module';
export * from './migrate-under-lock';
export * from './typeorm-pino-logger';
export * from './transient-error';
export * from './unique-violation';
export * from './postgres-notifications';
