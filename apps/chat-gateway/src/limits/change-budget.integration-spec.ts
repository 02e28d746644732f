import { randomUUID } from 'node:crypto';
import type { MessageView } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask, sendOver } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * v1.1's changes to messages spend the user's send budget, over Socket.IO and REST alike
 * (docs/chat.md): once a user's reactions have spent it, an edit over REST is a 429 with
 * Retry-After and a send is refused too.
 */
describe("changes to messages share the user's send budget", () => {
  let chat: GatewayFixture;
  let ann: Member;
  let roomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start({ MESSAGE_RATE_BURST: '6', MESSAGE_RATE_PER_SECOND: '1' });
    ann = await chat.member();
    roomId = await chat.room([ann]);
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('refuses reactions, edits and sends alike once the budget is spent', async () => {
    const socket = await chat.socket(ann);
    const sent = await sendOver(socket, roomId, 'react to me');
    const { seq } = sent;
    let refusedAfter = 0;
    for (let attempt = 1; attempt <= 20 && refusedAfter === 0; attempt += 1) {
      const event = attempt % 2 ? 'reaction:add' : 'reaction:remove';
      const ack = await ask(socket, event, { roomId, seq, emoji: '👍' });
      if (!ack.ok) {
        expect(ack.error.code).toBe('rate_limited');
        refusedAfter = attempt;
      }
    }
    // The burst (6) less the send, give or take a token refilled meanwhile.
    expect(refusedAfter).toBeGreaterThanOrEqual(5);
    expect(refusedAfter).toBeLessThanOrEqual(8);
    const edit = await fetch(`${chat.gateway.url}/api/rooms/${roomId}/messages/${seq}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ann.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ body: 'edited' }),
    });
    expect(edit.status).toBe(429);
    expect(edit.headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
    const again = await ask<{ message: MessageView }>(socket, 'message:send', {
      roomId,
      clientMsgId: randomUUID(),
      body: 'one more',
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    const [row] = (await chat.dataSource.query(
      `SELECT "body" FROM "messages" WHERE "room_id" = $1 AND "seq" = $2`,
      [roomId, seq],
    )) as { body: string }[];
    expect(row?.body).toBe('react to me');
  });
});
