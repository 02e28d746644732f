/** @jest-config-loader esbuild-register */
export default {
  displayName: 'chat-gateway',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/apps/chat-gateway',
};
