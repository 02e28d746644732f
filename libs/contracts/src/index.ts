export * from './services';
export * from './topics';
export * from './local-stack';
export * from './events';
