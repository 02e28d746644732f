export * from './access-token.guard';
export * from './access-token-env';
export * from './admin.guard';
export * from './revoked-logins';
