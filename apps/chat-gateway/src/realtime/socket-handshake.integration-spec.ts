import { randomUUID } from 'node:crypto';
import {
  AccessTokenSigner,
  ACCESS_TOKEN_LEEWAY_SECONDS,
  generateSigningKey,
} from '@scale-chat/access-tokens';
import {
  startTestJwks,
  startTestService,
  type TestJwks,
  type TestService,
} from '@scale-chat/platform/testing';
import { eventually, eventuallyValue } from '@scale-chat/wait';
import { io as connect } from 'socket.io-client';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';
import {
  connectOnce,
  handshake,
  refusedFrom,
  type HandshakeRefusal,
} from './handshake.test-helper';

jest.setTimeout(60_000);

const HANDSHAKE_BURST = 8;

describe('the Socket.IO handshake of chat-gateway', () => {
  let jwks: TestJwks;
  let gateway: TestService<ChatConfig>;
  let signer: AccessTokenSigner;
  const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };

  beforeAll(async () => {
    jwks = await startTestJwks();
    signer = jwks.signer;
    gateway = await startTestService(chatGatewayService, {
      AUTH_JWKS_URL: jwks.url,
      SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
      SOCKET_ALLOWED_ORIGINS: 'http://127.0.0.1:8080',
      // Above the handshakes each user makes here but the one that spends it on purpose.
      HANDSHAKE_RATE_BURST: String(HANDSHAKE_BURST),
      HANDSHAKE_RATE_PER_MINUTE: '1',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await jwks?.close();
  });

  it('accepts a valid access token signed by a key of the JWKS', async () => {
    expect(await handshake(gateway.url, { auth: { token: await signer.sign(subject) } })).toBe(
      'connected',
    );
  });

  it.each([
    ['no token', {}],
    ['a token that is not a string', { token: 42 }],
    ['garbage', { token: 'not-a-jwt' }],
  ])('refuses %s with "unauthorized"', async (_name, credentials) => {
    expect(await handshake(gateway.url, { auth: credentials })).toBe('unauthorized');
  });

  it("refuses a user's handshakes past its budget with rate_limited, saying when to try again", async () => {
    const token = await signer.sign({ ...subject, userId: randomUUID() });
    const started = Date.now();
    let connected = 0;
    let refusal: HandshakeRefusal = new Error('never refused');
    while (connected < 40) {
      const outcome = await connectOnce(gateway.url, { auth: { token } });
      if (outcome !== 'connected') {
        refusal = outcome;
        break;
      }
      connected += 1;
    }
    expect(refusal.message).toBe('rate_limited');
    expect(refusal.data).toEqual({
      code: 'rate_limited',
      message: expect.stringMatching(/^Too many connections; try again in [1-9][0-9]* s$/),
      retryAfterSeconds: expect.any(Number),
    });
    const { message, retryAfterSeconds } = refusal.data as {
      message: string;
      retryAfterSeconds: number;
    };
    expect(message).toBe(`Too many connections; try again in ${retryAfterSeconds} s`);
    // The burst, plus what refilled (1 a minute) while a busy machine took its time.
    expect(connected).toBeGreaterThanOrEqual(HANDSHAKE_BURST);
    expect(connected).toBeLessThanOrEqual(
      HANDSHAKE_BURST + Math.floor((Date.now() - started) / 60_000) + 1,
    );
    // Another user's budget is its own.
    expect(await handshake(gateway.url, { auth: { token: await signer.sign(subject) } })).toBe(
      'connected',
    );
  });

  it('refuses an expired token and one signed by another key', async () => {
    const expired = await signer.sign(subject, new Date(Date.now() - 3_600_000));
    const forged = await AccessTokenSigner.forKey(generateSigningKey()).sign(subject);
    expect(await handshake(gateway.url, { auth: { token: expired } })).toBe('unauthorized');
    expect(await handshake(gateway.url, { auth: { token: forged } })).toBe('unauthorized');
  });

  it('refuses a browser from a foreign Origin and accepts one from the edge', async () => {
    const token = await signer.sign(subject);
    const foreign = await handshake(gateway.url, {
      auth: { token },
      extraHeaders: { Origin: 'http://evil.example' },
    });
    expect(foreign).not.toBe('connected');
    const edge = await handshake(gateway.url, {
      auth: { token },
      extraHeaders: { Origin: 'http://127.0.0.1:8080' },
    });
    expect(edge).toBe('connected');
  });

  it("ends a socket's right to act once its token is past exp and the leeway REST grants too", async () => {
    // Inside the leeway at the handshake, refused from 3–4 s later (`iat` is whole seconds).
    const issuedAt = new Date(Date.now() - (900 + ACCESS_TOKEN_LEEWAY_SECONDS - 4) * 1000);
    const token = await signer.sign(subject, issuedAt);
    const refusedAt = refusedFrom(issuedAt);
    const socket = connect(gateway.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 100,
      auth: { token },
    });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const typing = async (): Promise<{ ok: boolean; error?: { code: string } }> =>
      socket.timeout(5_000).emitWithAck('typing', { roomId: subject.userId, typing: true });
    let ack = await typing();
    while (ack.error?.code !== 'unauthorized' && Date.now() < refusedAt + 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ack = await typing();
    }
    const answeredAt = Date.now();
    expect(ack).toEqual({
      ok: false,
      error: { code: 'unauthorized', message: 'The access token has expired' },
    });
    expect(answeredAt).toBeGreaterThanOrEqual(refusedAt);
    // Closed as a dropped network is, so the client tries again by itself (after "io server
    // disconnect" it would not); with the same token the handshake refuses it, and it
    // stops there. token-expiry.integration-spec.ts has a fresh token recover the session.
    const refused = new Promise<Error>((resolve) => socket.once('connect_error', resolve));
    expect(await closed).toBe('transport close');
    expect((await refused).message).toBe('unauthorized');
    expect(socket.active).toBe(false);
    const rest = await fetch(`${gateway.url}/api/rooms`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rest.status).toBe(401);
  });

  it('reports the Socket.IO cluster in GET /health', async () => {
    // A check may time out on a busy machine (503): what counts is that it comes up.
    const body = await eventuallyValue(
      'a healthy answer',
      async () => {
        const response = await fetch(`${gateway.url}/health`);
        return response.status === 200 ? ((await response.json()) as unknown) : undefined;
      },
      (answer) => answer !== undefined,
    );
    expect(body).toMatchObject({ info: { socketio: { status: 'up', peers: 0 } } });
  });

  it('shutting one instance down leaves the sockets of another instance connected', async () => {
    const topic = gateway.config.extra.SOCKET_IO_TOPIC;
    const second = await startTestService(chatGatewayService, {
      AUTH_JWKS_URL: gateway.config.extra.AUTH_JWKS_URL,
      SOCKET_IO_TOPIC: topic,
      INSTANCE_ID: `chat-gateway-second-${process.pid}`,
    });
    const token = await signer.sign(subject);
    const survivor = connect(gateway.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token },
    });
    await new Promise<void>((resolve) => survivor.once('connect', () => resolve()));
    const disconnects: string[] = [];
    survivor.on('disconnect', (reason) => disconnects.push(reason));
    await second.close();
    // The second's Close is the last record it writes to the one-partition topic: once this
    // instance has read it (its peer is gone), whatever the second sent before is applied.
    await eventually('the second instance is gone from the cluster', async () => {
      const health = (await (await fetch(`${gateway.url}/health`)).json()) as {
        info?: { socketio?: { peers?: number } };
      };
      return health.info?.socketio?.peers === 0;
    });
    expect(disconnects).toEqual([]);
    expect(survivor.connected).toBe(true);
    survivor.disconnect();
  });
});
