/** @jest-config-loader esbuild-register */
export default {
  displayName: 'log-consumer',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/log-consumer',
};
