/** @jest-config-loader esbuild-register */
export default {
  displayName: 'bench',
  preset: '../jest.preset.js',
  coverageDirectory: '../coverage/bench',
};
