export * from './bootstrap';
export * from './config';
export * from './database';
export * from './health';
export * from './kafka';
export * from './logging';
export * from './platform.module';
export * from './util/with-timeout';
