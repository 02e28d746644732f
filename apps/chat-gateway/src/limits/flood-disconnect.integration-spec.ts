import { randomUUID } from 'node:crypto';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * A socket that keeps sending once refused is closed for flooding (docs/chat.md); events
 * API.md does not name count ten to a refusal, so a few never close it. Sends it had in flight may be
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
    // The refusal that closed it says why, and when to connect again.
    const closing = acks.filter(
      (ack) => 'ok' in ack && !ack.ok && ack.error.message.includes('this connection is closed'),
    );
    expect(closing.length).toBeGreaterThan(0);
    for (const ack of closing)
      expect(ack).toEqual({
        ok: false,
        error: {
          code: 'rate_limited',
          message: 'Too many requests: this connection is closed; connect again in 10 s',
          retryAfterSeconds: 10,
        },
      });

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

  it('answers every edit it stored before it closes, as it does sends (v1.1)', async () => {
    // A user of her own: the test above spent ann's send budget.
    const cleo = await chat.member();
    const cleosRoom = await chat.room([cleo]);
    const socket = await chat.socket(cleo);
    const sent = await ask(socket, 'message:send', {
      roomId: cleosRoom,
      clientMsgId: 'to-edit',
      body: 'first words',
    });
    if (!sent.ok) throw new Error(`the send was refused: ${sent.error.message}`);
    const { seq } = (sent as { message: MessageView }).message;
    const version = async () => {
      const [room] = (await chat.dataSource.query(
        `SELECT "last_version" FROM "rooms" WHERE "id" = $1`,
        [cleosRoom],
      )) as { last_version: string }[];
      return Number(room?.last_version);
    };
    const before = await version();
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const acks = await Promise.all(
      Array.from({ length: 300 }, (_, index) =>
        (
          socket.timeout(30_000).emitWithAck('message:edit', {
            roomId: cleosRoom,
            seq,
            body: `edit ${index}`,
          }) as Promise<SocketAck<{ message: MessageView }>>
        ).catch(() => undefined),
      ),
    );
    expect(await closed).toBe('io server disconnect');
    const acknowledged = acks.filter((ack) => ack?.ok === true).length;
    // Every edit stored took a version of the room; each was answered.
    expect(acknowledged).toBeGreaterThan(0);
    expect(acknowledged).toBe((await version()) - before);
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

  it('closes a socket that floods events API.md does not name: ten of them count as one refusal', async () => {
    const cy = await chat.member();
    const socket = await chat.socket(cy);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    // 50 (ten times SEND_REFUSALS_BEFORE_DISCONNECT) in 10 s are answered; the next is flooding.
    const acks = await Promise.all(
      Array.from(
        { length: 60 },
        () =>
          (socket.timeout(30_000).emitWithAck('message:sned', {}) as Promise<SocketAck>).catch(
            (error: unknown) => ({ lost: String(error) }),
          ) as Promise<SocketAck | { lost: string }>,
      ),
    );
    expect(await closed).toBe('io server disconnect');
    const codes = acks.map((ack) => ('ok' in ack && !ack.ok ? ack.error.code : 'lost'));
    expect(codes.slice(0, 50)).toEqual(Array<string>(50).fill('bad_request'));
    expect(acks[50]).toEqual({
      ok: false,
      error: {
        code: 'rate_limited',
        message: 'Too many requests: this connection is closed; connect again in 10 s',
        retryAfterSeconds: 10,
      },
    });
  });
});
