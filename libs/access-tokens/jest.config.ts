/** @jest-config-loader esbuild-register */
export default {
  displayName: 'access-tokens',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/access-tokens',
};
