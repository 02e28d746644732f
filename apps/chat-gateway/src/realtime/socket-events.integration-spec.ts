import { GatewayFixture, nextEvent, type Member } from '../testing/gateway-fixture';
import { ask } from '../testing/heard-messages';

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

  it('acks a bad message:send with what is wrong, stores none of them, and stores a good one trimmed', async () => {
    const ann = await chat.member();
    const roomId = await chat.room([ann]);
    const socket = await chat.socket(ann);
    const refusals: [unknown, string, string][] = [
      [
        { roomId, clientMsgId: 'a', body: ` ${'x'.repeat(4_001)} ` },
        'payload_too_large',
        'body is longer than 4000 characters',
      ],
      [
        { roomId: 7, clientMsgId: [], body: null, replyToSeq: '1' },
        'bad_request',
        'roomId must be a UUID; clientMsgId must be a string; body must be a string; ' +
          'replyToSeq must be an integer number',
      ],
      [
        JSON.parse(`{"roomId":"${roomId}","clientMsgId":"a","body":"x","__proto__":{}}`),
        'bad_request',
        'unknown fields: __proto__',
      ],
      [
        { roomId, clientMsgId: 'a', body: 'x\u0000' },
        'bad_request',
        'body must not contain NUL characters',
      ],
      [
        { roomId, clientMsgId: 'a', body: 'x\ud800' },
        'bad_request',
        'body must be well-formed Unicode text (a lone surrogate)',
      ],
      [
        { roomId, clientMsgId: '😀'.repeat(65), body: 'x' },
        'bad_request',
        'clientMsgId must be 1 to 64 characters long',
      ],
      [[roomId], 'bad_request', 'the payload must be an object'],
    ];
    for (const [payload, code, message] of refusals) {
      expect(await ask(socket, 'message:send', payload)).toEqual({
        ok: false,
        error: { code, message },
      });
    }
    // A valid payload followed by one argument too many.
    expect(
      await socket
        .timeout(10_000)
        .emitWithAck('message:send', { roomId, clientMsgId: 'a', body: 'x' }, 'extra'),
    ).toEqual({
      ok: false,
      error: {
        code: 'bad_request',
        message: 'an event takes one payload (and an acknowledgement), not more arguments',
      },
    });
    // The room id in upper case is the same room; 64 emoji are 64 characters; replyToSeq
    // null is what a message view says of a message that is not a reply.
    const sent = await ask(socket, 'message:send', {
      roomId: roomId.toUpperCase(),
      clientMsgId: '😀'.repeat(64),
      body: '  hi  ',
      replyToSeq: null,
    });
    expect(sent).toMatchObject({
      ok: true,
      message: { roomId, seq: 1, body: 'hi', replyToSeq: null },
    });
    expect(socket.connected).toBe(true);
  });
});
