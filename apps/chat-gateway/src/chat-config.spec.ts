import { readChatConfig } from './chat-config';

describe('readChatConfig', () => {
  it('takes a Socket.IO topic of its own', () => {
    expect(readChatConfig({}).extra.SOCKET_IO_TOPIC).toBe('socketio.events');
    expect(readChatConfig({ SOCKET_IO_TOPIC: 'staging.socketio' }).extra.SOCKET_IO_TOPIC).toBe(
      'staging.socketio',
    );
  });

  it.each([
    'chat.room-events',
    'auth.logins',
    'saga.chat-commands',
    `a.${'b'.repeat(199)}`,
    'events',
  ])('refuses SOCKET_IO_TOPIC=%p: a service topic, too long, or no topic name', (topic) => {
    expect(() => readChatConfig({ SOCKET_IO_TOPIC: topic })).toThrow(
      "SOCKET_IO_TOPIC must be a topic name of the form <domain>.<stream>, at most 200 characters, not one of the services' own topics",
    );
  });

  it('refuses SOCKET_ALLOWED_ORIGINS of separators alone, which would refuse every browser', () => {
    expect(() => readChatConfig({ SOCKET_ALLOWED_ORIGINS: ' , ' })).toThrow(
      'SOCKET_ALLOWED_ORIGINS must be a comma-separated list of origins',
    );
  });
});
