import { randomUUID } from 'node:crypto';
import type { ChangesPage, MessageView, RoomSummaryView, RoomView } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask } from '../testing/heard-messages';

jest.setTimeout(120_000);

type Answer<T> = { status: number; body: T };

/**
 * API.md v1.1 over REST on a real chat-gateway (real PostgreSQL and Kafka): versions,
 * replies, edits, deletions, reactions, mentions and changes by version, with every
 * error answer API.md names and nothing stored by a refused call.
 */
describe('messages v1.1 over REST', () => {
  let chat: GatewayFixture;
  let ann: Member;
  let bob: Member;
  let cat: Member;
  let roomId: string;

  beforeAll(async () => {
    // Versions and rules are under test here, not the send budget the changes share
    // (limits/user-budgets.integration-spec.ts): its limits are lifted.
    chat = await GatewayFixture.start({
      MESSAGE_RATE_BURST: '10000',
      MESSAGE_RATE_PER_SECOND: '10000',
    });
    [ann, bob, cat] = (await Promise.all([chat.member(), chat.member(), chat.member()])) as [
      Member,
      Member,
      Member,
    ];
    roomId = await chat.room([ann, bob]);
    for (const [member, username] of [
      [ann, `ann${randomUUID().slice(0, 8)}`],
      [bob, `Bob.${randomUUID().slice(0, 8)}`.toLowerCase()],
      [cat, `cat${randomUUID().slice(0, 8)}`],
    ] as const) {
      await chat.dataSource.query(
        `INSERT INTO "profiles" ("user_id", "username", "display_name") VALUES ($1, $2, $2)`,
        [member.userId, username],
      );
    }
  });

  afterAll(async () => {
    await chat?.close();
  });

  const call = <T = MessageView>(member: Member, method: string, path: string, body?: unknown) =>
    chat.call(method, `/api/rooms/${roomId}${path}`, member, body) as Promise<Answer<T>>;
  const send = (member: Member, body: string, extra: object = {}) =>
    call(member, 'POST', '/messages', { clientMsgId: randomUUID(), body, ...extra });
  const usernameOf = async (member: Member) =>
    (
      (await chat.dataSource.query(`SELECT "username" FROM "profiles" WHERE "user_id" = $1`, [
        member.userId,
      ])) as { username: string }[]
    )[0]?.username ?? '';
  /** What a refused call must leave as it was. */
  const stored = async () => ({
    events: (await chat.roomEvents(roomId)).length,
    room: (await chat.dataSource.query(
      `SELECT r."last_version", r."last_seq",
              (SELECT json_agg(m ORDER BY m."seq") FROM "messages" m WHERE m."room_id" = r."id") AS "messages"
         FROM "rooms" r WHERE r."id" = $1`,
      [roomId],
    )) as unknown,
  });
  const expectRefused = async (
    attempt: () => Promise<Answer<unknown>>,
    statusCode: number,
    message?: string | RegExp,
  ) => {
    const before = await stored();
    const { status, body } = await attempt();
    expect(status).toBe(statusCode);
    expect(body).toMatchObject({ statusCode, error: expect.any(String) });
    if (message !== undefined)
      expect(String((body as { message: unknown }).message)).toMatch(message);
    expect(await stored()).toEqual(before);
  };

  it('numbers sends and changes in one gapless version sequence, and shows lastVersion', async () => {
    const first = await send(ann, 'first');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      seq: 1,
      version: 1,
      editedAt: null,
      deletedAt: null,
      replyToSeq: null,
      reactions: [],
      mentions: [],
    });
    const edited = await call(ann, 'PATCH', '/messages/1', { body: 'first, edited' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ seq: 1, version: 2, body: 'first, edited' });
    expect(edited.body.editedAt).toEqual(expect.any(String));
    const reply = await send(bob, 'a reply', { replyToSeq: 1 });
    expect(reply.body).toMatchObject({ seq: 2, version: 3, replyToSeq: 1 });
    const room = await call<RoomView>(ann, 'GET', '');
    expect(room.body).toMatchObject({ lastSeq: 2, lastVersion: 3 });
    const list = (await chat.call('GET', '/api/rooms', ann)) as Answer<{
      items: RoomSummaryView[];
    }>;
    expect(list.body.items.find((item) => item.id === roomId)).toMatchObject({
      lastSeq: 2,
      lastVersion: 3,
      lastMessage: { seq: 2, version: 3, replyToSeq: 1 },
    });
  });

  it('refuses a reply to a seq the room does not have, storing nothing', async () => {
    const { body: room } = await call<RoomView>(ann, 'GET', '');
    await expectRefused(
      () => send(ann, 'to nowhere', { replyToSeq: room.lastSeq + 1 }),
      400,
      'replyToSeq is not a message of this room',
    );
    await expectRefused(() => send(ann, 'to zero', { replyToSeq: 0 }), 400);
    await expectRefused(() => send(ann, 'to text', { replyToSeq: '1' }), 400);
  });

  it('takes replyToSeq null as a message view writes it: not a reply', async () => {
    const plain = await send(ann, 'not a reply', { replyToSeq: null });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ body: 'not a reply', replyToSeq: null });
  });

  it('edits: only the sender, never a deleted message, body rules as for sending', async () => {
    const { body: message } = await send(ann, 'to edit');
    const path = `/messages/${message.seq}`;
    await expectRefused(() => call(bob, 'PATCH', path, { body: 'not mine' }), 403);
    await expectRefused(() => call(cat, 'PATCH', path, { body: 'not a member' }), 403);
    await expectRefused(() => call(ann, 'PATCH', path, { body: '   ' }), 400);
    await expectRefused(() => call(ann, 'PATCH', path, { body: 'x'.repeat(4_001) }), 400);
    await expectRefused(() => call(ann, 'PATCH', path, { body: 'ok', extra: 1 }), 400);
    await expectRefused(() => call(ann, 'PATCH', '/messages/999999', { body: 'none' }), 404);
    await expectRefused(() => call(ann, 'PATCH', '/messages/abc', { body: 'none' }), 404);
    await expectRefused(
      () => chat.call('PATCH', `/api/rooms/${randomUUID()}${path}`, ann, { body: 'no room' }),
      404,
    );
    // The same body (after trimming) changes nothing: 200, the same version.
    const before = await stored();
    const same = await call(ann, 'PATCH', path, { body: '  to edit ' });
    expect(same.status).toBe(200);
    expect(same.body).toEqual(message);
    expect(await stored()).toEqual(before);
    await call(ann, 'DELETE', path);
    await expectRefused(() => call(ann, 'PATCH', path, { body: 'too late' }), 409);
  });

  it("deletes: its sender or the room's owner; again changes nothing", async () => {
    const { body: bobs } = await send(bob, 'bob says');
    const { body: anns } = await send(ann, 'ann says');
    await chat.dataSource.query(
      `UPDATE "messages" SET "reactions" = $2 WHERE "id" = $1`, // a reaction to lose
      [anns.id, JSON.stringify([{ emoji: '👍', userIds: [bob.userId] }])],
    );
    await expectRefused(() => call(bob, 'DELETE', `/messages/${anns.seq}`), 403);
    await expectRefused(() => call(cat, 'DELETE', `/messages/${anns.seq}`), 403);
    const bySender = await call(ann, 'DELETE', `/messages/${anns.seq}`);
    expect(bySender.status).toBe(200);
    expect(bySender.body).toMatchObject({
      id: anns.id,
      seq: anns.seq,
      senderId: ann.userId,
      createdAt: anns.createdAt,
      body: '',
      reactions: [],
      mentions: [],
      deletedAt: expect.any(String),
    });
    expect(bySender.body.version).toBeGreaterThan(anns.version);
    const byOwner = await call(ann, 'DELETE', `/messages/${bobs.seq}`);
    expect(byOwner.body).toMatchObject({ body: '', deletedAt: expect.any(String) });
    const before = await stored();
    const again = await call(ann, 'DELETE', `/messages/${anns.seq}`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(bySender.body);
    expect(await stored()).toEqual(before);
    await expectRefused(() => call(ann, 'DELETE', '/messages/999999'), 404);
  });

  it('reactions: one emoji, once per member, in first-use order, at most 20, none on a deleted message', async () => {
    const { body: message } = await send(ann, 'react to me');
    const reaction = (emoji: string) =>
      `/messages/${message.seq}/reactions/${encodeURIComponent(emoji)}`;
    const first = await call(bob, 'PUT', reaction('👍'));
    expect(first.status).toBe(200);
    const second = await call(ann, 'PUT', reaction('🇰🇷'));
    const third = await call(ann, 'PUT', reaction('👍'));
    expect(third.body.reactions).toEqual([
      { emoji: '👍', userIds: [bob.userId, ann.userId] },
      { emoji: '🇰🇷', userIds: [ann.userId] },
    ]);
    expect([first, second, third].map((answer) => answer.body.version)).toEqual([
      message.version + 1,
      message.version + 2,
      message.version + 3,
    ]);
    const before = await stored();
    expect((await call(bob, 'PUT', reaction('👍'))).body).toEqual(third.body);
    expect((await call(cat, 'GET', '')).status).toBe(403);
    expect((await call(bob, 'DELETE', reaction('🎉'))).body).toEqual(third.body);
    expect(await stored()).toEqual(before);
    for (const notOne of ['a', '👍👍', ':)', '1️⃣', '🇰', 'thumbs']) {
      await expectRefused(() => call(bob, 'PUT', reaction(notOne)), 400, /one emoji/);
    }
    await expectRefused(() => call(cat, 'PUT', reaction('👍')), 403);
    const removed = await call(bob, 'DELETE', reaction('👍'));
    expect(removed.body.reactions).toEqual([
      { emoji: '👍', userIds: [ann.userId] },
      { emoji: '🇰🇷', userIds: [ann.userId] },
    ]);
    // Up to 20 different emoji; a 21st is a 400, one already there is not.
    const more = [...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙🥲'];
    for (const emoji of more) expect((await call(bob, 'PUT', reaction(emoji))).status).toBe(200);
    await expectRefused(() => call(bob, 'PUT', reaction('🐢')), 400, /at most 20/);
    expect((await call(bob, 'PUT', reaction('🇰🇷'))).body.reactions).toHaveLength(20);
    await call(ann, 'DELETE', `/messages/${message.seq}`);
    await expectRefused(() => call(bob, 'PUT', reaction('👍')), 409);
  });

  it('takes emoji that look the same, with or without a variation selector, as one reaction', async () => {
    const { body: message } = await send(ann, 'react alike');
    const reaction = (emoji: string) =>
      `/messages/${message.seq}/reactions/${encodeURIComponent(emoji)}`;
    await call(bob, 'PUT', reaction('👍'));
    // 👍 with U+FE0F: the same reaction, already there (no new version).
    const again = await call(bob, 'PUT', reaction('👍\uFE0F'));
    await call(ann, 'PUT', reaction('\u2764'));
    const hearts = await call(bob, 'PUT', reaction('\u2764\uFE0E'));
    expect(hearts.body.reactions).toEqual([
      { emoji: '👍', userIds: [bob.userId] },
      { emoji: '\u2764\uFE0F', userIds: [ann.userId, bob.userId] },
    ]);
    expect(again.body.version).toBe(message.version + 1);
    // Removed by another of its forms, over the socket as over REST.
    const socket = await chat.socket(ann);
    const removed = await ask(socket, 'reaction:remove', {
      roomId,
      seq: message.seq,
      emoji: '\u2764\uFE0F',
    });
    expect(removed).toMatchObject({
      ok: true,
      message: { reactions: [{ emoji: '👍' }, { emoji: '\u2764\uFE0F', userIds: [bob.userId] }] },
    });
    const gone = await call(bob, 'DELETE', reaction('\u2764'));
    expect(gone.body.reactions).toEqual([{ emoji: '👍', userIds: [bob.userId] }]);
  });

  it('mentions the members named as @username, case-insensitively, at send and at edit', async () => {
    const [annName, bobName, catName] = (await Promise.all([ann, bob, cat].map(usernameOf))) as [
      string,
      string,
      string,
    ];
    const { body: sent } = await send(
      ann,
      `hi @${bobName.toUpperCase()}, @${catName} and @${annName}. mail me at x@${bobName}`,
    );
    // cat is not a member of the room: not mentioned.
    expect(sent.mentions).toEqual([bob.userId, ann.userId]);
    const edited = await call(ann, 'PATCH', `/messages/${sent.seq}`, { body: `only @${annName}` });
    expect(edited.body.mentions).toEqual([ann.userId]);
    const plain = await send(bob, 'no one');
    expect(plain.body.mentions).toEqual([]);
  });

  it("counts in GET /api/rooms the messages after a member's read cursor that mention them", async () => {
    const summary = async (member: Member) => {
      const { body } = (await chat.call('GET', '/api/rooms', member)) as Answer<{
        items: RoomSummaryView[];
      }>;
      return body.items.find((item) => item.id === roomId);
    };
    const mentionCount = async (member: Member) => (await summary(member))?.mentionCount;
    const readUpTo = async (member: Member, seq: number) =>
      expect((await call(member, 'POST', '/read', { seq })).status).toBe(204);
    const bobName = await usernameOf(bob);
    const { body: first } = await send(ann, `@${bobName} one`);
    await readUpTo(bob, first.seq - 1);
    expect(await mentionCount(bob)).toBe(1);
    const { body: second } = await send(ann, `and two, @${bobName}`);
    await send(ann, 'and nothing for bob');
    expect(await mentionCount(bob)).toBe(2);
    // Ann's own messages never count for her, @-naming herself included (as unread ones).
    expect(await mentionCount(ann)).toBe(0);
    // A deleted message mentions nobody any more, and is nothing to read.
    const unreadBefore = (await summary(bob))?.unreadCount ?? 0;
    expect((await call(ann, 'DELETE', `/messages/${second.seq}`)).status).toBe(200);
    expect(await mentionCount(bob)).toBe(1);
    expect((await summary(bob))?.unreadCount).toBe(unreadBefore - 1);
    await readUpTo(bob, first.seq);
    expect(await mentionCount(bob)).toBe(0);
  });

  it("lists the caller's rooms most recent activity first, lastMessage null where none was sent", async () => {
    const dee = await chat.member();
    const [oldest, middle, newest] = [
      await chat.room([dee]),
      await chat.room([dee, ann]),
      await chat.room([dee]),
    ];
    const listed = async () =>
      (
        (await chat.call('GET', '/api/rooms', dee)) as Answer<{
          items: RoomSummaryView[];
        }>
      ).body.items.map((item) => [item.id, item.lastMessage]);
    expect(await listed()).toEqual([
      [newest, null],
      [middle, null],
      [oldest, null],
    ]);
    // A message in the oldest room makes it the most recently active: first.
    const sent = (await chat.call('POST', `/api/rooms/${oldest}/messages`, dee, {
      clientMsgId: randomUUID(),
      body: 'wake up',
    })) as Answer<MessageView>;
    expect(sent.status).toBe(201);
    expect(await listed()).toEqual([
      [oldest, sent.body],
      [newest, null],
      [middle, null],
    ]);
    // Another member's message counts as activity too.
    const answered = (await chat.call('POST', `/api/rooms/${middle}/messages`, ann, {
      clientMsgId: randomUUID(),
      body: 'me too',
    })) as Answer<MessageView>;
    expect(await listed()).toEqual([
      [middle, answered.body],
      [oldest, sent.body],
      [newest, null],
    ]);
  });

  it('GET …/changes: each message changed after a version, once, in its current state', async () => {
    const { body: start } = await call<RoomView>(ann, 'GET', '');
    const { body: a } = await send(ann, 'a');
    const { body: b } = await send(bob, 'b');
    await call(ann, 'PATCH', `/messages/${a.seq}`, { body: 'a2' });
    await call(bob, 'PUT', `/messages/${a.seq}/reactions/${encodeURIComponent('🎉')}`);
    await call(bob, 'DELETE', `/messages/${b.seq}`);
    const { body: c } = await send(ann, 'c');
    const all = await call<ChangesPage>(ann, 'GET', `/changes?afterVersion=${start.lastVersion}`);
    expect(all.status).toBe(200);
    expect(all.body.hasMore).toBe(false);
    expect(all.body.lastVersion).toBe(start.lastVersion + 6);
    expect(all.body.items.map((item) => [item.seq, item.version])).toEqual([
      [a.seq, start.lastVersion + 4],
      [b.seq, start.lastVersion + 5],
      [c.seq, start.lastVersion + 6],
    ]);
    expect(all.body.items[0]).toMatchObject({ body: 'a2', reactions: [{ emoji: '🎉' }] });
    expect(all.body.items[1]).toMatchObject({ body: '', deletedAt: expect.any(String) });
    // Each item is what GET …/messages says of that message now.
    const page = await call<{ items: MessageView[] }>(
      ann,
      'GET',
      `/messages?afterSeq=${a.seq - 1}`,
    );
    expect(all.body.items).toEqual(page.body.items);
    const paged = await call<ChangesPage>(
      ann,
      'GET',
      `/changes?afterVersion=${start.lastVersion}&limit=2`,
    );
    expect(paged.body).toMatchObject({ hasMore: true, lastVersion: start.lastVersion + 6 });
    expect(paged.body.items).toHaveLength(2);
    for (const bad of ['limit=0', 'limit=501', 'afterVersion=-1', 'afterVersion=x', 'other=1']) {
      expect((await call(ann, 'GET', `/changes?${bad}`)).status).toBe(400);
    }
    expect((await call(cat, 'GET', '/changes')).status).toBe(403);
  });

  it('GET …/changes and sync by afterVersion: 100 changes a page when no limit is given', async () => {
    const busy = await chat.room([ann]);
    const sends = await Promise.all(
      Array.from({ length: 120 }, (_, index) =>
        chat.call('POST', `/api/rooms/${busy}/messages`, ann, {
          clientMsgId: randomUUID(),
          body: `change ${index}`,
        }),
      ),
    );
    expect(sends.map((sent) => sent.status).filter((status) => status !== 201)).toEqual([]);
    const first = Array.from({ length: 100 }, (_, index) => index + 1);
    const page = (await chat.call(
      'GET',
      `/api/rooms/${busy}/changes?afterVersion=0`,
      ann,
    )) as Answer<ChangesPage>;
    expect(page.status).toBe(200);
    expect(page.body.items.map((item) => item.version)).toEqual(first);
    expect(page.body).toMatchObject({ hasMore: true, lastVersion: 120 });
    const socket = await chat.socket(ann);
    const synced = await ask<ChangesPage>(socket, 'sync', { roomId: busy, afterVersion: 0 });
    if (!synced.ok) throw new Error(synced.error.message);
    expect(synced.items.map((item) => item.version)).toEqual(first);
    expect(synced).toMatchObject({ hasMore: true, lastVersion: 120 });
  });

  it('describes the v1.1 calls in the OpenAPI document', async () => {
    const response = await fetch(`${chat.gateway.url}/api/rooms/docs/openapi.json`);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const methods = (path: string) => Object.keys(document.paths[path] ?? {}).sort();
    expect(methods('/api/rooms/{id}/messages/{seq}')).toEqual(['delete', 'patch']);
    expect(methods('/api/rooms/{id}/messages/{seq}/reactions/{emoji}')).toEqual(['delete', 'put']);
    expect(methods('/api/rooms/{id}/changes')).toEqual(['get']);
    expect(Object.keys(document.components.schemas['MessageDto']?.properties ?? {})).toEqual(
      expect.arrayContaining(['version', 'editedAt', 'deletedAt', 'replyToSeq', 'reactions']),
    );
    // A room's and the room list's v1.1 fields (the DTOs implement the contracts' views).
    const fields = (schema: string) =>
      Object.keys(document.components.schemas[schema]?.properties ?? {}).sort();
    expect(fields('RoomDto')).toEqual(
      ['createdAt', 'id', 'kind', 'lastSeq', 'lastVersion', 'members', 'name', 'ownerId'].sort(),
    );
    expect(fields('RoomSummaryDto')).toEqual(
      [
        'id',
        'kind',
        'lastMessage',
        'lastSeq',
        'lastVersion',
        'memberCount',
        'mentionCount',
        'name',
        'unreadCount',
      ].sort(),
    );
    expect(fields('RoomMemberDto')).toEqual(
      ['joinedAt', 'lastReadSeq', 'online', 'role', 'userId'].sort(),
    );
  });

  it('keeps versions gapless under concurrent sends, edits and reactions', async () => {
    const { body: start } = await call<RoomView>(ann, 'GET', '');
    const { body: target } = await send(ann, 'busy');
    const emoji = [...'🍎🍐🍊🍋🍌🍉🍇🍓'];
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, index) => send(index % 2 ? ann : bob, `burst ${index}`)),
      ...Array.from({ length: 10 }, (_, index) =>
        call(ann, 'PATCH', `/messages/${target.seq}`, { body: `busy ${index}` }),
      ),
      ...emoji.flatMap((each) =>
        [ann, bob].map((member) =>
          call(member, 'PUT', `/messages/${target.seq}/reactions/${encodeURIComponent(each)}`),
        ),
      ),
    ]);
    expect(results.map((result) => result.status).filter((status) => status >= 300)).toEqual([]);
    const changes = 1 + 20 + 10 + emoji.length * 2;
    const { body: end } = await call<RoomView>(ann, 'GET', '');
    expect(end.lastVersion).toBe(start.lastVersion + changes);
    // Every change's event, in the order published: versions after start, no gap, no repeat.
    const versions = (await chat.roomEvents(roomId))
      .map((event) => (event.data as { message?: { version?: number } }).message?.version ?? 0)
      .filter((version) => version > start.lastVersion);
    expect(versions).toEqual(
      Array.from({ length: changes }, (_, index) => start.lastVersion + 1 + index),
    );
    const final = await call<ChangesPage>(ann, 'GET', `/changes?afterVersion=0&limit=500`);
    expect(final.body.items.find((item) => item.id === target.id)?.reactions).toHaveLength(8);
  });
});
