/** @jest-config-loader esbuild-register */
export default {
  displayName: 'resilience',
  preset: '../jest.preset.js',
  coverageDirectory: '../coverage/resilience',
};
