export * from './schema-drift';
export * from './test-config';
export * from './test-database';
export * from './test-service';
export * from './test-jwks';
export * from './compose-environment';
export * from './forged-tokens';
