import { randomUUID } from 'node:crypto';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask, sendOver } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * A user's budgets, over Socket.IO and REST alike (docs/chat.md). v1.1's changes to
 * messages spend the send budget: once a user's reactions have spent it, an edit over
 * REST is a 429 with Retry-After and a send is refused too. Pages of history have a
 * budget of their own: a small request whose answer may be 500 messages.
 */
describe("a user's send and history budgets", () => {
  let chat: GatewayFixture;
  let ann: Member;
  let roomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      MESSAGE_RATE_BURST: '6',
      MESSAGE_RATE_PER_SECOND: '1',
      HISTORY_RATE_BURST: '5',
      HISTORY_RATE_PER_SECOND: '1',
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
    expect(refusal).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
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

  it('refuses sync over the socket, then GET …/messages and …/changes, once the budget is spent', async () => {
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

    for (const path of ['messages', 'changes']) {
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

  /** Tokens a rate of 1 a second can have given back since `from`, rounded up. */
  function tokensRefilledSince(from: number): number {
    return Math.floor((Date.now() - from) / 1000) + 1;
  }

  function editTo(seq: number, body: string): Promise<Response> {
    return fetch(`${chat.gateway.url}/api/rooms/${roomId}/messages/${seq}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body }),
    });
  }

  function get(path: string): Promise<Response> {
    return fetch(`${chat.gateway.url}/api/rooms/${roomId}/${path}`, {
      headers: { authorization: `Bearer ${ann.token}` },
    });
  }
});
