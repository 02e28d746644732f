// Shared by every project's jest.config.ts. swc transpiles (decorator metadata on, as
// Nest needs; swc.options.json); tsconfig paths are resolved by Nx's resolver from tsconfig.base.json.
const nxPreset = require('@nx/jest/preset').default;
// The swc options of the whole workspace (the production bundles use them too).
const swcOptions = require('./swc.options.json');

module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  // Integration tests boot services and join Kafka groups on a shared, busy machine; a
  // file or test that needs longer says so itself.
  testTimeout: 30_000,
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/?(*.)+(spec|integration-spec|e2e-spec).ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { ...swcOptions, module: { type: 'commonjs' }, sourceMaps: 'inline' },
    ],
  },
};
