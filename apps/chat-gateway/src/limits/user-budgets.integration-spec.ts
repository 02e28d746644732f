import { randomUUID } from 'node:crypto';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask, sendOver } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * A user's budgets, over Socket.IO and REST alike (docs/chat.md). v1.1's changes to
 * messages spend the send budget: once a user's reactions have spent it, an edit over
 * REST is a 429 with Retry-After and a send is refused too. Pages of history have a
 * budget of their own: a small request whose answer may be 500 messages (reads of rooms
 * take from it too: the list counts every room's unread messages). So have room
 * and membership writes (each a room saga or a locked write) and message searches.
 */
describe("a user's send, history, room-write and search budgets", () => {
  let chat: GatewayFixture;
  let ann: Member;
  let roomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      MESSAGE_RATE_BURST: '6',
      MESSAGE_RATE_PER_SECOND: '1',
      READ_RATE_BURST: '5',
      READ_RATE_PER_SECOND: '1',
      HISTORY_RATE_BURST: '5',
      HISTORY_RATE_PER_SECOND: '1',
      ROOM_WRITE_RATE_BURST: '4',
      ROOM_WRITE_RATE_PER_MINUTE: '1',
      SEARCH_RATE_BURST: '3',
      SEARCH_RATE_PER_SECOND: '1',
    });
    ann = await chat.member();
    roomId = await chat.room([ann]);
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('refuses reactions, edits and sends alike once the budget is spent', async () => {
    const socket = await chat.socket(ann);
    const started = Date.now();
    const { seq } = await sendOver(socket, roomId, 'react to me');
    let reactions = 0;
    let refusal: SocketAck | undefined;
    while (refusal === undefined && reactions < 40) {
      const event = reactions % 2 ? 'reaction:remove' : 'reaction:add';
      const ack = await ask(socket, event, { roomId, seq, emoji: '👍' });
      if (ack.ok) reactions += 1;
      else refusal = ack;
    }
    const refusedAt = Date.now();
    // It says when to try again: in its text, and for a program in `retryAfterSeconds`.
    expect(refusal).toEqual({
      ok: false,
      error: {
        code: 'rate_limited',
        message: 'Too many requests; try again in 1 s',
        retryAfterSeconds: 1,
      },
    });
    // The burst (6) less the send, plus what refilled (1 a second) while a busy machine
    // took its time: bounds that follow the time taken instead of a fixed count.
    expect(reactions).toBeGreaterThanOrEqual(5);
    expect(reactions).toBeLessThanOrEqual(5 + tokensRefilledSince(started));

    // Whatever refilled since the refusal may let an edit or a send through; past that,
    // each is refused, and a refused edit changes nothing.
    let body = 'react to me';
    let edits = 0;
    let edit = await editTo(seq, 'edited 1');
    while (edit.ok && edits < 40) {
      edits += 1;
      body = `edited ${edits}`;
      edit = await editTo(seq, `edited ${edits + 1}`);
    }
    expect(edit.status).toBe(429);
    expect(edit.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    expect(edits).toBeLessThanOrEqual(tokensRefilledSince(refusedAt));

    const sendsFrom = Date.now();
    let sends = 0;
    const sendOne = () =>
      ask<{ message: MessageView }>(socket, 'message:send', {
        roomId,
        clientMsgId: randomUUID(),
        body: 'one more',
      });
    let again = await sendOne();
    while (again.ok && sends < 40) {
      sends += 1;
      again = await sendOne();
    }
    expect(again).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(sends).toBeLessThanOrEqual(tokensRefilledSince(sendsFrom));
    const [row] = (await chat.dataSource.query(
      `SELECT "body" FROM "messages" WHERE "room_id" = $1 AND "seq" = $2`,
      [roomId, seq],
    )) as { body: string }[];
    expect(row?.body).toBe(body);
  });

  it('refuses sync over the socket, then GET …/messages, …/changes and the room reads, once the budget is spent', async () => {
    const socket = await chat.socket(ann);
    const started = Date.now();
    let syncs = 0;
    let refusal: SocketAck | undefined;
    while (refusal === undefined && syncs < 40) {
      const ack = await ask(socket, 'sync', { roomId, afterSeq: 0 });
      if (ack.ok) syncs += 1;
      else refusal = ack;
    }
    const refusedAt = Date.now();
    expect(refusal).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // The burst (5), plus what refilled (1 a second) while a busy machine took its time.
    expect(syncs).toBeGreaterThanOrEqual(5);
    expect(syncs).toBeLessThanOrEqual(5 + tokensRefilledSince(started));

    for (const path of [`/${roomId}/messages`, `/${roomId}/changes`, `/${roomId}`, '']) {
      const from = Date.now();
      let pages = 0;
      let answer = await get(path);
      while (answer.ok && pages < 40) {
        pages += 1;
        answer = await get(path);
      }
      expect(answer.status).toBe(429);
      expect(answer.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      expect(pages).toBeLessThanOrEqual(tokensRefilledSince(Math.min(from, refusedAt)));
    }
  });

  it('refuses room and membership writes alike once their budget is spent, storing nothing', async () => {
    const cal = await chat.member();
    const elsewhere = await chat.room([ann]);
    const calsRoom = await chat.room([ann, cal]);
    const nobody = randomUUID();
    // Each takes a token before its body or path is looked at; these then fail at once
    // (no room saga to wait for): an invalid body, an unknown user, someone else's room.
    const writes = [
      () => chat.request('POST', '/api/rooms', cal, {}),
      () => chat.request('POST', '/api/rooms/direct', cal, { userId: nobody }),
      () => chat.request('POST', `/api/rooms/${elsewhere}/members`, cal, { userId: nobody }),
      () => chat.request('DELETE', `/api/rooms/${elsewhere}/members/${nobody}`, cal),
    ];
    const started = Date.now();
    let passed = 0;
    let answer: Response | undefined;
    // Round and round the four, until one is refused.
    for (const write of Array.from({ length: 10 }, () => writes).flat()) {
      answer = await write();
      if (answer.status === 429) break;
      passed += 1;
    }
    await expectRefused(answer);
    // The burst (4), plus what refilled (1 a minute) while a busy machine took its time.
    expect(passed).toBeGreaterThanOrEqual(4);
    expect(passed).toBeLessThanOrEqual(4 + tokensRefilledSince(started, 60));

    // The next token is a minute away: every write is refused, a valid one included.
    const refused = await Promise.all([
      ...writes.map((write) => write()),
      chat.request('POST', '/api/rooms', cal, { name: 'mine' }),
    ]);
    for (const each of refused) await expectRefused(each);
    const [owned] = (await chat.dataSource.query(
      `SELECT count(*)::int AS "n" FROM "rooms" WHERE "owner_id" = $1`,
      [cal.userId],
    )) as { n: number }[];
    expect(owned?.n).toBe(0);
    // Leaving takes no token: nobody is kept in a room by a spent budget.
    const left = await chat.request(
      'DELETE',
      `/api/rooms/${calsRoom}/members/${cal.userId.toUpperCase()}`,
      cal,
    );
    expect(left.status).toBe(204);
  });

  it.each([
    ['POST …/messages', 'messages', { clientMsgId: 'c1', body: 5 }, 6],
    ['POST …/read', 'read', { seq: 'one' }, 5],
  ])(
    'takes a token for %s before its body is validated, as the socket does for its events',
    async (_route, path, invalid, burst) => {
      const cal = await chat.member();
      const calsRoom = await chat.room([cal]);
      const post = (body: unknown) =>
        chat.request('POST', `/api/rooms/${calsRoom}/${path}`, cal, body);
      const started = Date.now();
      let refusedAfter = 0;
      let answer = await post(invalid);
      while (answer.status === 400 && refusedAfter < 40) {
        refusedAfter += 1;
        answer = await post(invalid);
      }
      // Invalid bodies spent the budget: the burst, plus what refilled meanwhile.
      await expectRefused(answer);
      expect(refusedAfter).toBeGreaterThanOrEqual(burst);
      expect(refusedAfter).toBeLessThanOrEqual(burst + tokensRefilledSince(started));
    },
  );

  it('refuses message searches once their budget is spent', async () => {
    const search = () => chat.request('GET', '/api/messages/search?query=react', ann);
    const started = Date.now();
    let searches = 0;
    let answer = await search();
    while (answer.status === 200 && searches < 40) {
      searches += 1;
      answer = await search();
    }
    await expectRefused(answer);
    // The burst (3), plus what refilled (1 a second) while a busy machine took its time.
    expect(searches).toBeGreaterThanOrEqual(3);
    expect(searches).toBeLessThanOrEqual(3 + tokensRefilledSince(started));
  });

  /** Tokens a rate of 1 every `seconds` can have given back since `from`, rounded up. */
  function tokensRefilledSince(from: number, seconds = 1): number {
    return Math.floor((Date.now() - from) / (seconds * 1000)) + 1;
  }

  /** A 429 in the one error shape, whose Retry-After says when, as its message does. */
  async function expectRefused(answer: Response | undefined): Promise<void> {
    expect(answer?.status).toBe(429);
    const retryAfter = answer?.headers.get('retry-after');
    expect(retryAfter).toMatch(/^[1-9][0-9]*$/);
    expect(await answer?.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many requests; try again in ${retryAfter} s`,
    });
  }

  function editTo(seq: number, body: string): Promise<Response> {
    return fetch(`${chat.gateway.url}/api/rooms/${roomId}/messages/${seq}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body }),
    });
  }

  function get(path: string): Promise<Response> {
    return fetch(`${chat.gateway.url}/api/rooms${path}`, {
      headers: { authorization: `Bearer ${ann.token}` },
    });
  }
});
