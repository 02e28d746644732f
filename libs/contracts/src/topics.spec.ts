import { defineTopic } from './topics';

describe('defineTopic', () => {
  it('accepts <domain>.<stream> names', () => {
    expect(defineTopic({ name: 'chat.messages', key: 'roomId', partitions: 6 }).name).toBe(
      'chat.messages',
    );
  });

  it.each(['chat', 'Chat.messages', 'chat.messages.extra', '.messages', 'chat_x.y'])(
    'rejects the name %p',
    (name) => {
      expect(() => defineTopic({ name, key: 'roomId', partitions: 1 })).toThrow(
        /<domain>\.<stream>/,
      );
    },
  );

  it('rejects a partition count that is not a positive whole number', () => {
    expect(() => defineTopic({ name: 'a.b', key: 'userId', partitions: 0 })).toThrow(/partitions/);
    expect(() => defineTopic({ name: 'a.b', key: 'userId', partitions: 1.5 })).toThrow(
      /partitions/,
    );
  });
});
