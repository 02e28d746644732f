export * from './eventually';
export * from './within-deadline';
