export * from './error-shape.filter';
export * from './rate-limit.guard';
export * from './rate-limiter';
export * from './nul-characters.pipe';
export * from './parse-id.pipe';
export * from './prototype-keys.pipe';
export * from './request-pipes';
