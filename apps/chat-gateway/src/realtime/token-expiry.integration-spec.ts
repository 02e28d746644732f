import { ACCESS_TOKEN_LEEWAY_SECONDS } from '@scale-chat/access-tokens';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { listen, sendOver, until } from '../testing/heard-messages';
import { refusedFrom } from './handshake.test-helper';

jest.setTimeout(90_000);

/**
 * A socket whose access token expires is closed the way a dropped network closes it: the
 * client reconnects by itself and, handing the next handshake a fresh token, gets its
 * session back with what it missed meanwhile (real PostgreSQL and Kafka).
 */
describe('a socket whose access token expires', () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('is closed recoverably, and a fresh token recovers what it missed', async () => {
    // Inside the leeway at the handshake; refused 3–4 s later, closed a grace after that.
    const issuedAt = new Date(Date.now() - (900 + ACCESS_TOKEN_LEEWAY_SECONDS - 4) * 1000);
    const ann = await chat.member(issuedAt);
    const bob = await chat.member();
    const roomId = await chat.room([ann, bob]);
    const bobSocket = await chat.socket(bob);

    // Ann's next handshake waits for a message sent while she is away, then gets a fresh
    // token, as a client that refreshes on "disconnect" would.
    let away: Promise<Member> | undefined;
    let handshakes = 0;
    const annSocket = await chat.socket(ann, chat.gateway.url, {
      reconnecting: true,
      token: async () => {
        handshakes += 1;
        return handshakes === 1 ? ann.token : (await (away ?? Promise.reject())).token;
      },
    });
    const heard = listen(annSocket);
    const reasons: string[] = [];
    let closedAt = 0;
    annSocket.on('disconnect', (reason) => {
      reasons.push(reason);
      closedAt ||= Date.now();
      away ??= sendOver(bobSocket, roomId, 'while away').then(() => chat.renewed(ann));
    });
    await sendOver(bobSocket, roomId, 'before');
    await until(
      () => heard.length === 1,
      () => `ann hears "before"; heard ${heard.length}`,
    );

    await until(
      () => reasons.length === 1 && annSocket.connected,
      () => `closed and back; reasons ${JSON.stringify(reasons)}`,
    );
    expect(reasons).toEqual(['transport close']);
    // Not before the token stopped being accepted.
    expect(closedAt).toBeGreaterThanOrEqual(refusedFrom(issuedAt));
    expect(annSocket.recovered).toBe(true);
    await until(
      () => heard.length >= 2,
      () => `the message missed; heard ${JSON.stringify(heard.map((h) => h.message.body))}`,
    );
    // A sentinel after it: anything repeated would come before.
    await sendOver(bobSocket, roomId, 'after');
    await until(() => heard.some((entry) => entry.message.body === 'after'), 'the sentinel');
    expect(heard.map((entry) => [entry.event, entry.message.body])).toEqual([
      ['message:new', 'before'],
      ['message:new', 'while away'],
      ['message:new', 'after'],
    ]);
  });
});
