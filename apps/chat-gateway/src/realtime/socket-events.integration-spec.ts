import { GatewayFixture, nextEvent, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

/** Hostile or odd events on a real socket of chat-gateway (real PostgreSQL and Kafka). */
describe('Socket.IO events chat-gateway does not expect', () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('acks an unknown event with bad_request and keeps the connection', async () => {
    const socket = await chat.socket(await chat.member());
    expect(await socket.timeout(5_000).emitWithAck('message:sned', { body: 'typo' })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'unknown event: message:sned' },
    });
    // Without an acknowledgement it is dropped, and the socket goes on.
    socket.emit('nothing-at-all', 1);
    expect(await socket.timeout(5_000).emitWithAck('typing', {})).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    expect(socket.connected).toBe(true);
  });

  it('acks a payload nested 2,000 deep with bad_request, not internal', async () => {
    const socket = await chat.socket(await chat.member());
    let deep: unknown = 'x';
    for (let level = 0; level < 2_000; level += 1) deep = [deep];
    const ack: unknown = await socket
      .timeout(5_000)
      .emitWithAck('typing', { roomId: deep, typing: true });
    expect(ack).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'the payload nests deeper than 32 levels' },
    });
  });

  it('takes an upper-case room id as the same room: typing reaches the other member', async () => {
    const [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    const roomId = await chat.room([ann, bob]);
    const [annSocket, bobSocket] = await Promise.all([chat.socket(ann), chat.socket(bob)]);
    const heard = nextEvent<unknown>(bobSocket, 'typing');
    const ack: unknown = await annSocket
      .timeout(5_000)
      .emitWithAck('typing', { roomId: roomId.toUpperCase(), typing: true });
    expect(ack).toEqual({ ok: true });
    expect(await heard).toEqual({ roomId, userId: ann.userId, typing: true });
  });
});
