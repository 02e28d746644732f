export * from './health-registry';
export * from './health.controller';
export * from './kafka.health';
