/** @jest-config-loader esbuild-register */
export default {
  displayName: 'tools',
  preset: '../jest.preset.js',
  coverageDirectory: '../coverage/tools',
};
