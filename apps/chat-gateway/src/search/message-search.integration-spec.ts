import { randomUUID } from 'node:crypto';
import type { MessageView } from '@scale-chat/contracts';
import { Client } from 'pg';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

type Page = { items: MessageView[]; hasMore: boolean };

/**
 * `GET /api/messages/search` (API.md v1.1) against the real PostgreSQL with pg_trgm:
 * Korean and English substrings, only the caller's rooms, newest first, pages, and every
 * bad query answered in the one error shape.
 */
describe("message search (chat-gateway, real PostgreSQL's pg_trgm)", () => {
  let chat: GatewayFixture;
  let alice: Member;
  let ben: Member;
  let carol: Member;
  let ours: string;
  let alone: string;
  let theirs: string;

  const send = async (roomId: string, sender: Member, body: string) => {
    const answer = await chat.call('POST', `/api/rooms/${roomId}/messages`, sender, {
      clientMsgId: randomUUID(),
      body,
    });
    expect(answer.status).toBe(201);
  };

  const search = (caller: Member, query: Record<string, string>) =>
    chat.call('GET', `/api/messages/search?${new URLSearchParams(query).toString()}`, caller);

  const bodies = async (caller: Member, query: Record<string, string>) => {
    const answer = await search(caller, query);
    expect(answer.status).toBe(200);
    return (answer.body as Page).items.map((message) => message.body);
  };

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      // The budget of searches has its spec (user-budgets); this one searches often.
      SEARCH_RATE_BURST: '10000',
      SEARCH_STATEMENT_TIMEOUT_MS: '2000',
    });
    [alice, ben, carol] = [await chat.member(), await chat.member(), await chat.member()];
    ours = await chat.room([alice, ben]);
    alone = await chat.room([alice]);
    theirs = await chat.room([ben, carol]);
    // One at a time, so "newest first" has one answer.
    await send(ours, ben, '오늘 점심 뭐 먹을까요?');
    await send(theirs, carol, '점심 비밀 모임');
    await send(ours, alice, 'Lunch at NOON, usual place');
    await send(alone, alice, '점심은 김치찌개로 정했어요');
    await send(ours, ben, 'A 50% discount_code today');
  });

  afterAll(async () => {
    await chat?.close();
  });

  it("finds Korean substrings in the caller's rooms only, newest first", async () => {
    expect(await bodies(alice, { query: '점심' })).toEqual([
      '점심은 김치찌개로 정했어요',
      '오늘 점심 뭐 먹을까요?',
    ]);
    expect(await bodies(carol, { query: '점심' })).toEqual(['점심 비밀 모임']);
    expect(await bodies(alice, { query: '김치찌개' })).toEqual(['점심은 김치찌개로 정했어요']);
  });

  it('finds English substrings case-insensitively, inside words too', async () => {
    expect(await bodies(alice, { query: 'noon' })).toEqual(['Lunch at NOON, usual place']);
    expect(await bodies(alice, { query: 'UNCH AT' })).toEqual(['Lunch at NOON, usual place']);
    expect(await bodies(carol, { query: 'noon' })).toEqual([]);
  });

  it('finds Greek words by either sigma: Σ, σ and the word-final ς are one letter', async () => {
    const greek = await chat.room([alice]);
    await send(greek, alice, 'ΟΔΥΣΣΕΥΣ upper');
    await send(greek, alice, 'οδυσσευς lower');
    const both = ['οδυσσευς lower', 'ΟΔΥΣΣΕΥΣ upper'];
    expect(await bodies(alice, { query: 'ΟΔΥΣΣΕΥΣ', roomId: greek })).toEqual(both);
    expect(await bodies(alice, { query: 'οδυσσευς', roomId: greek })).toEqual(both);
    expect(await bodies(alice, { query: 'σευσ', roomId: greek })).toEqual(both);
  });

  it('takes %, _ and \\ literally', async () => {
    expect(await bodies(ben, { query: '0%' })).toEqual(['A 50% discount_code today']);
    expect(await bodies(ben, { query: 't_c' })).toEqual(['A 50% discount_code today']);
    expect(await bodies(ben, { query: '%%' })).toEqual([]);
    expect(await bodies(ben, { query: 'a\\' })).toEqual([]);
  });

  it('finds a phrase across a line break, as a body of two lines holds it', async () => {
    const lines = await chat.room([alice]);
    await send(lines, alice, 'first line qx\nsecond line');
    expect(await bodies(alice, { query: 'qx\nsecond' })).toEqual(['first line qx\nsecond line']);
  });

  it('searches one room of the caller: 403 for a room it is not in, 404 for no room', async () => {
    expect(await bodies(alice, { query: '점심', roomId: ours })).toEqual([
      '오늘 점심 뭐 먹을까요?',
    ]);
    const forbidden = await search(alice, { query: '점심', roomId: theirs });
    expect(forbidden).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden' } });
    const unknown = await search(alice, { query: '점심', roomId: randomUUID() });
    expect(unknown).toMatchObject({ status: 404, body: { statusCode: 404 } });
  });

  it('pages with limit and before, newest first, without repeats or gaps', async () => {
    const pages = await chat.room([alice]);
    for (const n of [1, 2, 3, 4, 5]) await send(pages, alice, `zq page ${n}`);
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const query = { query: 'ZQ', limit: '2', ...(before === undefined ? {} : { before }) };
      const answer = await search(alice, query);
      expect(answer.status).toBe(200);
      const page = answer.body as Page;
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((message) => message.body));
      before = page.items.at(-1)?.id;
      if (!page.hasMore) break;
    }
    expect(seen).toEqual([5, 4, 3, 2, 1].map((n) => `zq page ${n}`));
  });

  it('answers the newest 20 when no limit is given, saying there are more', async () => {
    const dora = await chat.member();
    const many = await chat.room([dora]);
    for (let n = 1; n <= 25; n += 1) await send(many, dora, `zd many ${n}`);
    const answer = await search(dora, { query: 'zd many' });
    expect(answer.status).toBe(200);
    const page = answer.body as Page;
    expect(page.items.map((message) => message.body)).toEqual(
      Array.from({ length: 20 }, (_, index) => `zd many ${25 - index}`),
    );
    expect(page.hasMore).toBe(true);
  });

  it.each([
    ['no query', {}],
    ['a query of one character', { query: '점' }],
    ['a query of 101 characters', { query: '가'.repeat(101) }],
    ['a NUL character', { query: 'ab\u0000' }],
    ['limit 0', { query: 'noon', limit: '0' }],
    ['limit 51', { query: 'noon', limit: '51' }],
    ['a roomId that is not an id', { query: 'noon', roomId: 'room' }],
    ['a before that is not an id', { query: 'noon', before: '12' }],
    ['an unknown parameter', { query: 'noon', sort: 'asc' }],
  ])('answers 400 in the error shape to %s', async (_, query: Record<string, string>) => {
    expect(await search(alice, query)).toMatchObject({
      status: 400,
      body: { statusCode: 400, error: 'Bad Request', message: expect.anything() },
    });
  });

  it('says a query left empty is required, not that it is no string', async () => {
    expect(await search(alice, { query: '' })).toMatchObject({
      status: 400,
      body: { message: ['query is required: 2 to 100 characters'] },
    });
  });

  it("answers 400 to a before that is not a message of the caller's rooms", async () => {
    const [hidden] = (await chat.dataSource.query(
      `SELECT "id" FROM "messages" WHERE "room_id" = $1`,
      [theirs],
    )) as { id: string }[];
    for (const before of [hidden?.id ?? '', randomUUID()]) {
      expect(await search(alice, { query: '점심', before })).toMatchObject({
        status: 400,
        body: { statusCode: 400, message: 'before is not a message of your rooms' },
      });
    }
  });

  it('never finds a deleted message', async () => {
    const sent = await chat.call('POST', `/api/rooms/${alone}/messages`, alice, {
      clientMsgId: randomUUID(),
      body: 'an ephemeral needle',
    });
    const { seq } = sent.body as MessageView;
    expect(await bodies(alice, { query: 'needle' })).toEqual(['an ephemeral needle']);
    const deleted = await chat.call('DELETE', `/api/rooms/${alone}/messages/${seq}`, alice);
    expect(deleted.status).toBe(200);
    expect(await bodies(alice, { query: 'needle' })).toEqual([]);
  });

  it('answers 503 to a search that runs past SEARCH_STATEMENT_TIMEOUT_MS, and searches again after', async () => {
    // A search held up as a long walk would hold it: by a lock on the table. The holder
    // lets go after 20 s in any case, so a search that is never cancelled still ends.
    const holder = new Client({ connectionString: chat.gateway.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SET LOCAL idle_in_transaction_session_timeout = '20s'`);
      await holder.query(
        `LOCK TABLE "${chat.gateway.config.databaseSchema}"."messages" IN ACCESS EXCLUSIVE MODE`,
      );
      expect(await search(alice, { query: '점심' })).toEqual({
        status: 503,
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The search took too long; try a longer text, or search one room',
        },
      });
      await holder.query('ROLLBACK');
    } finally {
      await holder.end();
    }
    expect(await bodies(alice, { query: '점심' })).toHaveLength(2);
  });

  it('has a trigram index that serves a Korean substring', async () => {
    const plan = await chat.dataSource.transaction(async (manager) => {
      // Five rows make a sequential scan cheapest; the question is whether the index can serve.
      await manager.query('SET LOCAL enable_seqscan = off');
      return (await manager.query(
        `EXPLAIN SELECT "id" FROM "messages" WHERE translate("body", 'ς', 'σ') ILIKE '%김치찌개%'`,
      )) as { 'QUERY PLAN': string }[];
    });
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain(
      'IDX_messages_body_folded_trgm',
    );
    // And the index narrows: pg_trgm takes Hangul for word characters under the database's
    // locale (with none, it would read the whole index for a Korean query).
    const [trigrams] = (await chat.dataSource.query(`SELECT show_trgm('김치찌개') AS "t"`)) as {
      t: string[];
    }[];
    // "  김", " 김치", "김치찌", "치찌개", "찌개 ": five (shown hashed, being multibyte).
    expect(trigrams?.t).toHaveLength(5);
  });
});
