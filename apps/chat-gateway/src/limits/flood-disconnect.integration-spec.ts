import { randomUUID } from 'node:crypto';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * A socket that keeps sending once refused is closed for flooding (docs/chat.md); events
 * API.md does not name are not refusals of that kind. Sends it had in flight may be
 * stored already: each must be answered before the close, or its client could tell only
 * by sending it again.
 */
describe('a socket closed for flooding', () => {
  let chat: GatewayFixture;
  let ann: Member;
  let roomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      MESSAGE_RATE_BURST: '30',
      MESSAGE_RATE_PER_SECOND: '1',
      SEND_REFUSALS_BEFORE_DISCONNECT: '5',
    });
    ann = await chat.member();
    roomId = await chat.room([ann]);
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('answers every send it stored before it closes', async () => {
    const socket = await chat.socket(ann);
    const ids = Array.from({ length: 300 }, () => randomUUID());
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const acks = await Promise.all(
      ids.map((clientMsgId) =>
        (
          socket
            .timeout(30_000)
            .emitWithAck('message:send', { roomId, clientMsgId, body: 'flood' }) as Promise<
            SocketAck<{ message: MessageView }>
          >
        ).catch((error: unknown) => ({ lost: String(error) })),
      ),
    );
    expect(await closed).toBe('io server disconnect');

    const stored = (await chat.dataSource.query(
      `SELECT "client_msg_id" FROM "messages" WHERE "room_id" = $1`,
      [roomId],
    )) as { client_msg_id: string }[];
    const acknowledged = ids.filter((_, index) => {
      const ack = acks[index];
      return ack !== undefined && 'ok' in ack && ack.ok;
    });
    expect(stored.length).toBeGreaterThan(0);
    // Sends that reached the gateway after the close go unanswered, as they were never
    // stored; every one stored was answered.
    expect(acknowledged.sort()).toEqual(stored.map((row) => row.client_msg_id).sort());
  });

  it('keeps the connection of a socket that keeps sending events API.md does not name', async () => {
    // A user of its own: the test above spent ann's send budget.
    const bea = await chat.member();
    const beasRoom = await chat.room([bea]);
    const socket = await chat.socket(bea);
    // Twice SEND_REFUSALS_BEFORE_DISCONNECT (5 here): API.md, a bad event never closes
    // the connection. Each is acked bad_request.
    const codes: string[] = [];
    for (let sent = 0; sent < 10; sent += 1) {
      const ack = await ask(socket, 'message:sned', { roomId: beasRoom });
      codes.push(ack.ok ? 'ok' : ack.error.code);
    }
    expect(codes).toEqual(Array<string>(10).fill('bad_request'));
    // Still connected and heard: a send after them is stored.
    const sent = await ask(socket, 'message:send', {
      roomId: beasRoom,
      clientMsgId: 'after',
      body: 'still here',
    });
    expect(sent).toMatchObject({ ok: true });
    expect(socket.connected).toBe(true);
  });
});
