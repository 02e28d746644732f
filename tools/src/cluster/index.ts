export * from './chat-client';
export * from './chat-cluster';
export * from './prometheus-text';
export * from './faults';
export * from './hostile-input';
export * from './run-kafka';
