export * from './access-token.guard';
export * from './access-token.strategy';
export * from './access-token-env';
export * from './admin.guard';
export * from './bearer-authentication';
export * from './own-authenticator';
export * from './parsed-keys';
export * from './revoked-logins';
