import { randomUUID } from 'node:crypto';
import { MESSAGE_CHANGE_TYPES, ROOM_EVENT_TYPES, type RoomCreated } from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';

const parseRoomCreated = (data: unknown) =>
  EVENT_SCHEMAS[ROOM_EVENT_TYPES.roomCreated](data) as RoomCreated;

const member = (fields: Record<string, unknown> = {}) => ({
  userId: randomUUID(),
  role: 'member',
  joinedAt: '2026-12-04T12:00:00.000Z',
  ...fields,
});
const room = (fields: Record<string, unknown>) => ({
  id: randomUUID(),
  name: 'Lunch',
  ownerId: randomUUID(),
  members: [member()],
  lastSeq: 0,
  createdAt: '2026-12-04T12:00:00.000Z',
  ...fields,
});

describe('room.created as the gateways read it (v1.1 kind, member presence and cursors)', () => {
  it('reads a direct room, its null name and its members with presence and read cursors', () => {
    const data = {
      room: room({
        kind: 'direct',
        name: null,
        members: [member({ online: true, lastReadSeq: 4 })],
      }),
    };
    expect(parseRoomCreated(data).room).toMatchObject({
      kind: 'direct',
      name: null,
      members: [{ online: true, lastReadSeq: 4 }],
    });
  });

  it('reads an event written before v1.1 as a group with members offline and nothing read', () => {
    expect(parseRoomCreated({ room: room({}) }).room).toMatchObject({
      kind: 'group',
      name: 'Lunch',
      members: [{ online: false, lastReadSeq: 0 }],
    });
  });

  it('refuses an unknown kind, a group without a name and members with bad fields', () => {
    const bad = [
      room({ kind: 'channel' }),
      room({ kind: 'group', name: null }),
      room({ members: [member({ online: 'yes' })] }),
      room({ members: [member({ lastReadSeq: -1 })] }),
    ];
    for (const value of bad) expect(() => parseRoomCreated({ room: value })).toThrow();
  });
});

describe('message events as the gateways read them (v1.1 fields)', () => {
  const v1Message = {
    id: randomUUID(),
    roomId: randomUUID(),
    seq: 7,
    senderId: randomUUID(),
    body: 'hi',
    clientMsgId: 'c-7',
    createdAt: '2026-12-04T12:00:00.000Z',
  };

  it('reads a message written before v1.1 as never changed: version = seq, nothing else', () => {
    expect(EVENT_SCHEMAS[ROOM_EVENT_TYPES.messageSent]({ message: v1Message })).toEqual({
      message: {
        ...v1Message,
        version: 7,
        editedAt: null,
        deletedAt: null,
        replyToSeq: null,
        reactions: [],
        mentions: [],
      },
    });
  });

  it('keeps every v1.1 field of a change, and refuses a bad one', () => {
    const userId = randomUUID();
    const message = {
      ...v1Message,
      version: 9,
      editedAt: '2026-12-04T12:01:00.000Z',
      deletedAt: null,
      replyToSeq: 3,
      reactions: [{ emoji: '👍', userIds: [userId] }],
      mentions: [userId],
    };
    const read = EVENT_SCHEMAS[MESSAGE_CHANGE_TYPES.reactionAdded];
    expect(read({ message, userId, emoji: '👍' })).toEqual({ message, userId, emoji: '👍' });
    for (const bad of [
      { ...message, version: -1 },
      { ...message, reactions: [{ emoji: '👍', userIds: ['not-a-uuid'] }] },
      { ...message, mentions: [42] },
      { ...message, editedAt: 'yesterday' },
    ])
      expect(() => read({ message: bad, userId })).toThrow();
  });
});
