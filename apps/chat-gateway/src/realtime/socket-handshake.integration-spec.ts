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
import { io as connect } from 'socket.io-client';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';
import { handshake } from './handshake.test-helper';

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

  /**
   * A socket on a 900 s token issued `agoMs` ago, connected; from when its token is
   * refused (past `exp` and the leeway), and the reason it is closed for, once it is.
   */
  async function connectIssued(agoMs: number) {
    const issuedAt = Date.now() - agoMs;
    const token = await signer.sign(subject, new Date(issuedAt));
    const refusedFrom =
      Math.floor(issuedAt / 1000) * 1000 + (900 + ACCESS_TOKEN_LEEWAY_SECONDS) * 1000;
    const socket = connect(gateway.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token },
    });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return { token, socket, refusedFrom, closed };
  }

  it("ends a socket's right to act once its token is past exp and the leeway REST grants too", async () => {
    // Expired a second ago: inside the leeway, so the handshake still lets it in.
    const { token, socket, refusedFrom, closed } = await connectIssued(901_000);
    const typing = async (): Promise<{ ok: boolean; error?: { code: string } }> =>
      socket.timeout(5_000).emitWithAck('typing', { roomId: subject.userId, typing: true });
    let ack = await typing();
    while (ack.error?.code !== 'unauthorized' && Date.now() < refusedFrom + 5_000) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      ack = await typing();
    }
    const refusedAt = Date.now();
    expect(ack).toEqual({
      ok: false,
      error: { code: 'unauthorized', message: 'The access token has expired' },
    });
    expect(refusedAt).toBeGreaterThanOrEqual(refusedFrom);
    expect(await closed).toBe('io server disconnect');
    const rest = await fetch(`${gateway.url}/api/rooms`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(rest.status).toBe(401);
  });

  it('closes a socket that only listens once its token is past exp and the leeway', async () => {
    // Refused from a second from now; a socket that sends nothing learns it by being closed.
    const { refusedFrom, closed } = await connectIssued(
      (900 + ACCESS_TOKEN_LEEWAY_SECONDS - 1) * 1000,
    );
    expect(await closed).toBe('io server disconnect');
    expect(Date.now()).toBeGreaterThanOrEqual(refusedFrom);
  });

  it('reports the Socket.IO cluster in GET /health', async () => {
    const response = await fetch(`${gateway.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ info: { socketio: { status: 'up', peers: 0 } } });
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
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(disconnects).toEqual([]);
    expect(survivor.connected).toBe(true);
    survivor.disconnect();
  });
});
