/** @jest-config-loader esbuild-register */
export default {
  displayName: 'saga-orchestrator',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/saga-orchestrator',
};
