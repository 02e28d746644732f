/** @jest-config-loader esbuild-register */
// Unit specs of the client's pure logic (no DOM); the browser behaviour is apps/web-e2e's.
export default {
  displayName: 'web',
  preset: '../../jest.preset.js',
  testMatch: ['**/*.spec.ts'],
};
