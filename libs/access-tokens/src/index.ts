export * from './claims';
export * from './signing-key';
export * from './token-signer';
