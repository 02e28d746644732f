import { randomUUID } from 'node:crypto';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  EVENT_HEADERS,
  ROOM_EVENT_TYPES,
  type MessageView,
} from '@scale-chat/contracts';
import { outboxHeaders } from '@scale-chat/platform';
import { MESSAGE_COLUMNS, messageView, type MessageRow } from '../rooms/room-views';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { MessagesRepository, type SendRequest, type StoredSend } from './messages.repository';

jest.setTimeout(60_000);

/**
 * `store_sends`, the one statement a batch of sends is stored by, against the real
 * PostgreSQL: each item decided in order as if it were alone, what it writes, and the
 * message views it answers with (the same as the API's for the same rows).
 */
describe('store_sends: a batch of sends in one statement', () => {
  let chat: GatewayFixture;
  let messages: MessagesRepository;
  let ann: Member;
  let bob: Member;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
    messages = chat.gateway.app.get(MessagesRepository);
    [ann, bob] = [await chat.member(), await chat.member()];
  });

  afterAll(async () => {
    await chat?.close();
  });

  const send = (
    sender: Member,
    roomId: string,
    clientMsgId: string,
    more: Partial<SendRequest> = {},
  ): SendRequest => ({ senderId: sender.userId, roomId, clientMsgId, body: clientMsgId, ...more });

  const store = (requests: readonly SendRequest[], names: readonly string[][] = []) =>
    messages.storeSends(
      requests,
      requests.map((_, index) => names[index] ?? []),
      requests.map((request) => outboxHeaders(request.correlationId)),
      { topic: CHAT_ROOM_EVENTS_TOPIC.name, type: ROOM_EVENT_TYPES.messageSent },
    );

  /** seq of a created item, else its outcome. */
  const seqs = (stored: readonly StoredSend[]) =>
    stored.map(({ outcome, message }) => (outcome === 'created' ? message?.seq : outcome));

  const counters = async (roomId: string) => {
    const [room] = (await chat.dataSource.query(
      `SELECT "last_seq"::int AS "seq", "last_version"::int AS "version" FROM "rooms" WHERE "id" = $1`,
      [roomId],
    )) as { seq: number; version: number }[];
    return room;
  };

  const storedRow = async (id: string) => {
    const [row] = (await chat.dataSource.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages" WHERE "id" = $1`,
      [id],
    )) as MessageRow[];
    if (row === undefined) throw new Error(`message ${id} is not stored`);
    return row;
  };

  /** A room of `members` whose counters are as if it had `seq` messages and `version` changes. */
  const roomAt = async (members: readonly Member[], seq = 0, version = seq) => {
    const roomId = await chat.room(members);
    await chat.dataSource.query(
      `UPDATE "rooms" SET "last_seq" = $2, "last_version" = $3 WHERE "id" = $1`,
      [roomId, seq, version],
    );
    return roomId;
  };

  it("numbers each room's new messages gaplessly in the batch's order, each a version after the room's last", async () => {
    const [room, other] = [await roomAt([ann], 7, 10), await roomAt([ann, bob])];
    const stored = await store([
      send(ann, room, 'a'),
      send(bob, other, 'b'),
      send(ann, room, 'c'),
      send(ann, other, 'd'),
    ]);
    expect(seqs(stored)).toEqual([8, 1, 9, 2]);
    expect(stored.map(({ message }) => message?.version)).toEqual([11, 1, 12, 2]);
    expect(await counters(room)).toEqual({ seq: 9, version: 12 });
    expect(await counters(other)).toEqual({ seq: 2, version: 2 });
  });

  it('refuses a reply to a seq the room does not have (yet), taking no seq or version', async () => {
    const room = await roomAt([ann], 7, 10);
    const reply = (replyToSeq: number, clientMsgId: string) =>
      send(ann, room, clientMsgId, { replyToSeq });
    const stored = await store([
      reply(7, 'to-the-newest'),
      reply(9, 'to-the-one-after-next'),
      reply(0, 'to-nothing'),
      send(ann, room, 'nine'),
      reply(9, 'to-nine-of-this-batch'),
    ]);
    expect(seqs(stored)).toEqual([8, 'bad-reply', 'bad-reply', 9, 10]);
    expect(stored[4]?.message).toMatchObject({ replyToSeq: 9, version: 13 });
    expect(await counters(room)).toEqual({ seq: 10, version: 13 });
  });

  it('answers not-found for a room that is not active and forbidden for a non-member, taking no seq', async () => {
    const room = await roomAt([ann], 7);
    const gone = await roomAt([ann]);
    const pending = await roomAt([ann]);
    await chat.dataSource.query(
      `UPDATE "room_members" SET "status" = 'pending' WHERE "room_id" = $1`,
      [pending],
    );
    await chat.dataSource.query(`UPDATE "rooms" SET "status" = 'cancelled' WHERE "id" = $1`, [
      gone,
    ]);
    const stored = await store([
      send(ann, gone, 'a'),
      send(ann, randomUUID(), 'b'),
      send(bob, room, 'c'),
      send(ann, pending, 'd'),
      send(ann, room, 'e'),
    ]);
    expect(seqs(stored)).toEqual(['not-found', 'not-found', 'forbidden', 'forbidden', 8]);
    expect(stored.slice(0, 4).map(({ message }) => message)).toEqual([null, null, null, null]);
    expect(await counters(room)).toEqual({ seq: 8, version: 8 });
    expect(await counters(gone)).toEqual({ seq: 0, version: 0 });
  });

  it("judges each item by its own sender's membership of its own room, not by another item's", async () => {
    // Ann is a member of her room only, Bob of his: each sends to the other's room beside
    // a send of the other to that room, so every (room, sender) pair of the batch but the
    // two crossed ones is a membership.
    const [annsRoom, bobsRoom] = [await roomAt([ann]), await roomAt([bob])];
    const stored = await store([
      send(ann, annsRoom, 'a1'),
      send(ann, bobsRoom, 'a2'),
      send(bob, bobsRoom, 'b1'),
      send(bob, annsRoom, 'b2'),
    ]);
    expect(seqs(stored)).toEqual([1, 'forbidden', 1, 'forbidden']);
  });

  it('answers a stored repeat with the original, a repeat within the batch with its twin, and the same id in another room anew', async () => {
    const [room, other] = [await roomAt([ann]), await roomAt([ann])];
    const [first] = await store([send(ann, room, 'old')]);
    const stored = await store([
      send(ann, room, 'old', { body: 'a different body' }),
      send(ann, room, 'new'),
      send(ann, room, 'new', { body: 'its twin' }),
      send(ann, other, 'new'),
    ]);
    expect(stored.map(({ outcome }) => outcome)).toEqual([
      'original',
      'created',
      'original',
      'created',
    ]);
    expect(stored[0]?.message).toEqual(first?.message);
    expect(stored[2]?.message).toEqual(stored[1]?.message);
    expect(seqs(stored)).toEqual(['original', 2, 'original', 1]);
    expect(await counters(room)).toEqual({ seq: 2, version: 2 });
  });

  it('refuses a sender who left even for a repeat, and matches ids whatever their case', async () => {
    const room = await roomAt([ann, bob]);
    await store([send(bob, room, 'before-leaving')]);
    await chat.dataSource.query(
      `DELETE FROM "room_members" WHERE "room_id" = $1 AND "user_id" = $2`,
      [room, bob.userId],
    );
    const shouting = { userId: ann.userId.toUpperCase(), token: ann.token };
    const stored = await store([
      send(bob, room, 'before-leaving'),
      send(shouting, room.toUpperCase(), 'x'),
    ]);
    expect(seqs(stored)).toEqual(['forbidden', 2]);
    expect(stored[1]?.message).toMatchObject({ roomId: room, senderId: ann.userId });
  });

  it("resolves mentions against the room's active members, in order of first mention, each once", async () => {
    const [cat, dan, eve] = [await chat.member(), await chat.member(), await chat.member()];
    const name = (member: Member, username: string) =>
      chat.dataSource.query(
        `INSERT INTO "profiles" ("user_id", "username", "display_name") VALUES ($1, $2, $2)`,
        [member.userId, username],
      );
    await name(cat, `Cat-${cat.userId.slice(0, 8)}`);
    await name(dan, `dan-${dan.userId.slice(0, 8)}`);
    await name(eve, `eve-${eve.userId.slice(0, 8)}`);
    const room = await roomAt([cat, dan]); // eve is not a member
    const catName = `cat-${cat.userId.slice(0, 8)}`;
    const danName = `dan-${dan.userId.slice(0, 8)}`;
    const eveName = `eve-${eve.userId.slice(0, 8)}`;
    const stored = await store(
      [send(cat, room, 'plain'), send(cat, room, 'mentions')],
      [[], [danName, eveName, catName, danName]],
    );
    expect(stored.map(({ message }) => message?.mentions)).toEqual([[], [dan.userId, cat.userId]]);
  });

  it("answers with the API's view of the stored rows, and writes one message.sent per new message to the outbox in order", async () => {
    const room = await roomAt([ann, bob]);
    const correlationId = randomUUID();
    // The outbox is read before the batch commits: the relay deletes its rows once sent.
    const { stored, outbox } = await chat.dataSource.transaction(async (manager) => {
      const batch = [
        send(ann, room, 'one', { correlationId }),
        send(bob, room, 'two', { body: 'a reply', replyToSeq: 1 }),
        send(ann, room, 'one'),
      ];
      return {
        stored: await messages.in(manager).storeSends(
          batch,
          batch.map(() => []),
          batch.map((request) => outboxHeaders(request.correlationId)),
          { topic: CHAT_ROOM_EVENTS_TOPIC.name, type: ROOM_EVENT_TYPES.messageSent },
        ),
        outbox: (await manager.query(
          `SELECT "topic", "key", "envelope", "headers" FROM "outbox"
            WHERE "envelope"->'data'->'message'->>'roomId' = $1 ORDER BY "position"`,
          [room],
        )) as { topic: string; key: string; envelope: Record<string, unknown>; headers: unknown }[],
      };
    });
    const created = stored.slice(0, 2).map(({ message }) => message as MessageView);
    for (const message of created)
      expect(message).toEqual(messageView(await storedRow(message.id)));
    expect(outbox).toEqual(
      created.map((message, index) => ({
        topic: CHAT_ROOM_EVENTS_TOPIC.name,
        key: room,
        envelope: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          type: ROOM_EVENT_TYPES.messageSent,
          occurredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          data: { message },
        },
        headers: index === 0 ? { [EVENT_HEADERS.correlationId]: correlationId } : {},
      })),
    );
  });

  it('gives an original as the API shows it after edits, a deletion, reactions and sub-millisecond times', async () => {
    const room = await roomAt([ann]);
    const [first] = await store([send(ann, room, 'changed')]);
    const id = first?.message?.id;
    await chat.dataSource.query(
      `UPDATE "messages" SET "body" = '', "created_at" = '2026-01-02T03:04:05.999999Z',
              "edited_at" = '2026-01-02T03:04:06.000001Z', "deleted_at" = now(),
              "reactions" = $2::jsonb, "version" = 5
        WHERE "id" = $1`,
      [id, JSON.stringify([{ emoji: '👍', userIds: [ann.userId] }])],
    );
    const [repeat] = await store([send(ann, room, 'changed')]);
    expect(repeat?.outcome).toBe('original');
    expect(repeat?.message).toEqual(messageView(await storedRow(id as string)));
    expect(repeat?.message).toMatchObject({
      createdAt: '2026-01-02T03:04:05.999Z',
      editedAt: '2026-01-02T03:04:06.000Z',
    });
  });
});
