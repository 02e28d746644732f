export * from './access-token.guard';
