export * from './services';
export * from './topics';
export * from './local-stack';
export * from './events';
export * from './auth-events';
export * from './ids';
export * from './sagas';
export * from './chat';
