import { randomUUID } from 'node:crypto';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * A socket that keeps sending once refused is closed for flooding (docs/chat.md), whether
 * its events were past its budget or unknown. Sends it had in flight may be stored
 * already: each must be answered before the close, or its client could tell only by
 * sending it again.
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

  it('closes a socket that keeps sending events API.md does not name', async () => {
    const socket = await chat.socket(ann);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    // Refusals 1 to 5 (SEND_REFUSALS_BEFORE_DISCONNECT) are bad_request; the 6th says the
    // connection is closed, and is the last. Two more, in case it were not.
    const acks: SocketAck[] = [];
    while (acks.length < 8) {
      const ack = await ask(socket, 'message:sned', { roomId });
      acks.push(ack);
      if (!ack.ok && ack.error.code === 'rate_limited') break;
    }
    const codes = acks.map((ack) => (ack.ok ? 'ok' : ack.error.code));
    expect(codes).toEqual([...Array<string>(5).fill('bad_request'), 'rate_limited']);
    expect(acks.at(-1)).toMatchObject({
      error: { message: expect.stringContaining('this connection is closed') },
    });
    expect(await closed).toBe('io server disconnect');
  });
});
