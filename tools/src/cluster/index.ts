export * from './chat-client';
export * from './chat-cluster';
