import { isMessage, isRoomSummary, isSession, isUser, listOf, readAck } from './validate';

const message = {
  id: '7b0c5f0e-5d1a-4f5e-9d4b-3f1f2b0a9c11',
  roomId: '1f0e8c57-3d9b-4a8e-8f7c-2b1d3c4e5f60',
  seq: 3,
  senderId: 'a3c1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  body: '안녕하세요',
  clientMsgId: 'c-1',
  createdAt: '2026-11-22T16:00:00.000Z',
};

describe('isMessage', () => {
  it('accepts a message of API.md', () => {
    expect(isMessage(message)).toBe(true);
  });

  it.each([
    ['a missing field', { ...message, body: undefined }],
    ['a seq that is not an integer', { ...message, seq: 1.5 }],
    ['a body that is not text', { ...message, body: { html: '<b>x</b>' } }],
    ['null', null],
    ['an array', [message]],
  ])('rejects %s', (_, value) => {
    expect(isMessage(value)).toBe(false);
  });
});

describe('listOf', () => {
  it('keeps the valid items and reads hasMore', () => {
    expect(listOf({ items: [message, { id: 1 }], hasMore: true }, isMessage)).toEqual({
      items: [message],
      hasMore: true,
    });
  });

  it('is empty for anything that is not a list answer', () => {
    expect(listOf('<html>', isMessage)).toEqual({ items: [], hasMore: false });
    expect(listOf({ items: 'x' }, isMessage)).toEqual({ items: [], hasMore: false });
  });
});

describe('isRoomSummary', () => {
  const summary = { id: 'r', name: 'n', lastSeq: 0, unreadCount: 0, memberCount: 1 };

  it('accepts a room without messages, and one whose last message is valid', () => {
    expect(isRoomSummary({ ...summary, lastMessage: null })).toBe(true);
    expect(isRoomSummary({ ...summary, lastMessage: message })).toBe(true);
  });

  it('rejects a room whose last message is malformed', () => {
    expect(isRoomSummary({ ...summary, lastMessage: { body: 'x' } })).toBe(false);
  });
});

describe('readAck', () => {
  it('reads success and API.md failures', () => {
    expect(readAck({ ok: true, items: [] })).toEqual({ ok: true, body: { ok: true, items: [] } });
    expect(readAck({ ok: false, error: { code: 'rate_limited', message: 'slow down' } })).toEqual({
      ok: false,
      code: 'rate_limited',
      message: 'slow down',
    });
  });

  it('takes a malformed answer for an internal failure', () => {
    expect(readAck(undefined)).toMatchObject({ ok: false, code: 'internal' });
    expect(readAck({ ok: false })).toMatchObject({ ok: false, code: 'internal' });
  });
});

describe('isUser and isSession (API.md users and login answers)', () => {
  const user = {
    id: message.senderId,
    username: 'ann',
    displayName: 'Ann',
    status: 'active',
    createdAt: message.createdAt,
  };
  const session = {
    accessToken: 'a',
    refreshToken: 'r',
    tokenType: 'Bearer',
    expiresIn: 900,
    user,
  };

  it('accepts what login answers', () => {
    expect(isUser(user)).toBe(true);
    expect(isUser({ ...user, status: 'pending' })).toBe(true);
    expect(isSession(session)).toBe(true);
  });

  it.each([
    ['a user of another status', { ...session, user: { ...user, status: 'deleting' } }],
    ['another token type', { ...session, tokenType: 'MAC' }],
    ['no user', { ...session, user: null }],
  ])('rejects %s', (_, value) => {
    expect(isSession(value)).toBe(false);
  });
});
