import { randomUUID } from 'node:crypto';
import { LOGIN_REVOKED } from '../auth-events';
import { ROOM_EVENT_TYPES } from '../chat';
import { MESSAGE_CHANGE_TYPES } from '../message-changes';
import { SAGA_EVENT_TYPES } from '../sagas';
import { EVENT_SCHEMAS } from './index';

const message = () => ({
  id: randomUUID(),
  roomId: randomUUID(),
  seq: 3,
  senderId: randomUUID(),
  body: '안녕 hello',
  clientMsgId: 'c-1',
  createdAt: new Date().toISOString(),
  version: 5,
  editedAt: null,
  deletedAt: null,
  replyToSeq: null,
  reactions: [],
  mentions: [],
});

describe('EVENT_SCHEMAS', () => {
  it('returns the data of a well-formed event, typed, without fields it does not declare', () => {
    const userId = randomUUID();
    const familyId = randomUUID();
    expect({
      ...EVENT_SCHEMAS[LOGIN_REVOKED]({ userId, familyId, reason: 'logout', extra: 1 }),
    }).toEqual({ userId, familyId, reason: 'logout' });
  });

  it.each([
    [ROOM_EVENT_TYPES.messageSent, 'message'],
    [ROOM_EVENT_TYPES.roomCreated, 'room'],
    [ROOM_EVENT_TYPES.memberJoined, 'member'],
    [MESSAGE_CHANGE_TYPES.messageEdited, 'message'],
  ])('refuses %s without its nested %s', (type, field) => {
    const schema = EVENT_SCHEMAS[type] as (data: unknown) => unknown;
    expect(() => schema({ roomId: randomUUID() })).toThrow(field);
    expect(() => schema({ roomId: randomUUID(), [field]: null })).toThrow(field);
  });

  it('checks nested data: a message inside message.sent', () => {
    const sent = message();
    expect(EVENT_SCHEMAS[ROOM_EVENT_TYPES.messageSent]({ message: sent }).message).toEqual(sent);
    expect(() =>
      EVENT_SCHEMAS[ROOM_EVENT_TYPES.messageSent]({ message: { ...sent, seq: -1 } }),
    ).toThrow('message.seq must not be less than 0');
  });

  it.each<[string, string, unknown, string]>([
    ['a list', LOGIN_REVOKED, [], 'data is not an object'],
    ['nothing', LOGIN_REVOKED, null, 'data is not an object'],
    [
      'an unknown reason',
      LOGIN_REVOKED,
      { userId: randomUUID(), familyId: randomUUID(), reason: 'bored' },
      'reason must be one of the following values',
    ],
    [
      'an id that is not a UUID',
      SAGA_EVENT_TYPES.reply,
      { sagaId: 'saga-1', commandId: 'c', outcome: 'succeeded' },
      'sagaId must be a UUID',
    ],
    [
      'a command of no known kind',
      SAGA_EVENT_TYPES.command,
      {
        sagaId: randomUUID(),
        commandId: 'c',
        sagaType: 'signup',
        kind: 'maybe',
        participant: 'auth',
        name: 'auth.activate-user',
        payload: {},
      },
      'kind must be one of the following values',
    ],
    [
      'a room without members',
      ROOM_EVENT_TYPES.roomCreated,
      {
        room: {
          id: randomUUID(),
          name: 'r',
          ownerId: randomUUID(),
          lastSeq: 0,
          createdAt: new Date().toISOString(),
        },
      },
      'room.members must be an array',
    ],
    ...['2009-W53-7', '2009-123', '2010-02-18T16:23.33+0600', 'soon'].map(
      (createdAt): [string, string, unknown, string] => [
        `a time Date cannot read as one: ${createdAt}`,
        ROOM_EVENT_TYPES.messageSent,
        { message: { ...message(), createdAt } },
        'message.createdAt is not a time (RFC 3339)',
      ],
    ),
  ])('refuses %s, saying what is wrong', (_, type, data, reason) => {
    const schema = EVENT_SCHEMAS[type as keyof typeof EVENT_SCHEMAS];
    expect(() => schema(data)).toThrow(reason);
  });

  it('takes ids in either case and hands them on lower-case, as they are stored', () => {
    const sent = message();
    const mentioned = randomUUID();
    const { message: read } = EVENT_SCHEMAS[ROOM_EVENT_TYPES.messageSent]({
      message: {
        ...sent,
        roomId: sent.roomId.toUpperCase(),
        senderId: sent.senderId.toUpperCase(),
        mentions: [mentioned.toUpperCase()],
      },
    });
    expect([read.roomId, read.senderId, read.mentions]).toEqual([
      sent.roomId,
      sent.senderId,
      [mentioned],
    ]);
  });

  it('takes times as toISOString writes them, and with an offset', () => {
    for (const createdAt of ['2026-12-07T04:33:31.123Z', '2026-12-07T13:33:31+09:00'])
      expect(
        EVENT_SCHEMAS[ROOM_EVENT_TYPES.messageSent]({ message: { ...message(), createdAt } })
          .message.createdAt,
      ).toBe(createdAt);
  });

  it('refuses a time PostgreSQL cannot store: before year 1 or after 9999 in UTC', () => {
    const sent = (createdAt: string) => () =>
      EVENT_SCHEMAS[ROOM_EVENT_TYPES.messageSent]({ message: { ...message(), createdAt } });
    for (const createdAt of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59'])
      expect(sent(createdAt)).toThrow('message.createdAt is not a time (RFC 3339)');
    for (const createdAt of ['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])
      expect(sent(createdAt)).not.toThrow();
  });

  it('refuses data with text PostgreSQL cannot store (U+0000), in any field or key, declared or not', () => {
    const userId = randomUUID();
    const familyId = randomUUID();
    for (const data of [
      { userId, familyId, reason: 'logout\u0000' },
      { userId, familyId, reason: 'logout', extra: ['a', { b: 'c\u0000' }] },
      { userId, familyId, reason: 'logout', extra: { 'k\u0000': 1 } },
    ])
      expect(() => EVENT_SCHEMAS[LOGIN_REVOKED](data)).toThrow('data holds text with U+0000 (NUL)');
  });

  it('refuses data nested deeper than any event is, saying so rather than overflowing', () => {
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 5_000; level += 1) deep = { a: deep };
    expect(() =>
      EVENT_SCHEMAS[LOGIN_REVOKED]({
        userId: randomUUID(),
        familyId: randomUUID(),
        reason: 'logout',
        deep,
      }),
    ).toThrow('data is nested deeper than 32 levels');
  });
});
