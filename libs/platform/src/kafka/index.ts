export * from './ensure-topics';
export * from './kafka-client';
export * from './kafka-connection';
export * from './kafka-security';
