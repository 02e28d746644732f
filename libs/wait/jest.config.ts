/** @jest-config-loader esbuild-register */
export default {
  displayName: 'wait',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/wait',
};
