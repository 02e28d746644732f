/** @jest-config-loader esbuild-register */
export default {
  displayName: 'auth',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/auth',
};
