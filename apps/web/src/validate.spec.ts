import {
  changesOf,
  isMessage,
  isRoom,
  isRoomSummary,
  isSession,
  isUser,
  listOf,
  readAck,
} from './validate';

const message = {
  id: '7b0c5f0e-5d1a-4f5e-9d4b-3f1f2b0a9c11',
  roomId: '1f0e8c57-3d9b-4a8e-8f7c-2b1d3c4e5f60',
  seq: 3,
  senderId: 'a3c1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  body: '안녕하세요',
  clientMsgId: 'c-1',
  createdAt: '2026-11-22T16:00:00.000Z',
  version: 5,
  editedAt: null,
  deletedAt: null,
  replyToSeq: 1,
  reactions: [{ emoji: '👍', userIds: ['a3c1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b'] }],
  mentions: [],
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
    ['a v1 message without a version', { ...message, version: undefined }],
    ['reactions that are not a list', { ...message, reactions: { '👍': 1 } }],
    ['a reaction without its users', { ...message, reactions: [{ emoji: '👍' }] }],
    ['mentions that are not ids', { ...message, mentions: [1] }],
    ['an edit time that is not text', { ...message, editedAt: 1 }],
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
  const summary = {
    id: 'r',
    kind: 'group',
    name: 'n',
    lastSeq: 0,
    lastVersion: 0,
    unreadCount: 0,
    mentionCount: 0,
    memberCount: 1,
  };

  it('accepts a room without messages, and one whose last message is valid', () => {
    expect(isRoomSummary({ ...summary, lastMessage: null })).toBe(true);
    expect(isRoomSummary({ ...summary, lastMessage: message })).toBe(true);
  });

  it('rejects a room whose last message is malformed', () => {
    expect(isRoomSummary({ ...summary, lastMessage: { body: 'x' } })).toBe(false);
  });

  it('accepts a direct room without a name (v1.1), but not a group without one', () => {
    expect(isRoomSummary({ ...summary, kind: 'direct', name: null, lastMessage: null })).toBe(true);
    expect(isRoomSummary({ ...summary, name: null, lastMessage: null })).toBe(false);
    expect(isRoomSummary({ ...summary, kind: 'channel', lastMessage: null })).toBe(false);
    expect(isRoomSummary({ ...summary, mentionCount: undefined, lastMessage: null })).toBe(false);
  });
});

describe('isRoom', () => {
  const member = {
    userId: 'u',
    role: 'member',
    joinedAt: message.createdAt,
    online: true,
    lastReadSeq: 3,
  };
  const room = {
    id: 'r',
    kind: 'direct',
    name: null,
    ownerId: 'u',
    members: [member],
    lastSeq: 3,
    lastVersion: 4,
    createdAt: message.createdAt,
  };

  it("accepts a direct room with its members' presence and read cursors", () => {
    expect(isRoom(room)).toBe(true);
  });

  it.each([
    ['a member without presence', { ...room, members: [{ ...member, online: undefined }] }],
    ['a read cursor that is not a count', { ...room, members: [{ ...member, lastReadSeq: -1 }] }],
    ['no last version', { ...room, lastVersion: undefined }],
  ])('rejects %s', (_, value) => {
    expect(isRoom(value)).toBe(false);
  });
});

describe('changesOf', () => {
  it('keeps the valid messages and the last version', () => {
    expect(changesOf({ items: [message, { id: 1 }], hasMore: false, lastVersion: 9 })).toEqual({
      items: [message],
      hasMore: false,
      lastVersion: 9,
    });
  });

  it('is undefined without a last version', () => {
    expect(changesOf({ items: [message], hasMore: false })).toBeUndefined();
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

  it("reads a rate_limited failure's wait, and ignores one that is not a wait", () => {
    const limited = (retryAfterSeconds: unknown) =>
      readAck({ ok: false, error: { code: 'rate_limited', message: 'm', retryAfterSeconds } });
    expect(limited(3)).toEqual({
      ok: false,
      code: 'rate_limited',
      message: 'm',
      retryAfterSeconds: 3,
    });
    for (const notAWait of ['3', -1, Number.NaN, Infinity, null])
      expect(limited(notAWait)).toEqual({ ok: false, code: 'rate_limited', message: 'm' });
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
