/** @jest-config-loader esbuild-register */
export default {
  displayName: 'web-e2e',
  preset: '../../jest.preset.js',
  testMatch: ['**/*.e2e-spec.ts'],
};
