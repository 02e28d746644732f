/** @jest-config-loader esbuild-register */
export default {
  displayName: 'socket-io-kafka-adapter',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/libs/socket-io-kafka-adapter',
};
