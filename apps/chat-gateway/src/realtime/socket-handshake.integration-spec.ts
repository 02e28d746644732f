import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessTokenSigner, generateSigningKey, type SigningKey } from '@scale-chat/access-tokens';
import { startTestService, type TestService } from '@scale-chat/platform/testing';
import { io as connect, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';

/** Serves `key`'s public half as auth's JWKS endpoint does. */
async function serveJwks(key: SigningKey): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/auth/jwks`,
    server,
  };
}

/** Connects and resolves with "connected" or the connect_error message. */
function handshake(url: string, options: Partial<ManagerOptions & SocketOptions>): Promise<string> {
  const socket = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.disconnect();
      resolve(error.message);
    });
  });
}

describe('the Socket.IO handshake of chat-gateway', () => {
  let jwks: Server;
  let gateway: TestService<ChatConfig>;
  let signer: AccessTokenSigner;
  const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };

  beforeAll(async () => {
    const key = await generateSigningKey();
    signer = new AccessTokenSigner(key);
    const served = await serveJwks(key);
    jwks = served.server;
    gateway = await startTestService(chatGatewayService, {
      AUTH_JWKS_URL: served.url,
      SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
      SOCKET_ALLOWED_ORIGINS: 'http://127.0.0.1:8080',
    });
  });

  afterAll(async () => {
    await gateway?.close();
    jwks?.close();
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
    const forged = await new AccessTokenSigner(await generateSigningKey()).sign(subject);
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

  it("ends a socket's right to act when its access token expires: unauthorized, then closed", async () => {
    // Issued so that it expires about two seconds from now.
    const token = await signer.sign(subject, new Date(Date.now() - 898_000));
    const socket = connect(gateway.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token },
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const ack: unknown = await socket
      .timeout(5_000)
      .emitWithAck('typing', { roomId: subject.userId, typing: true });
    expect(ack).toEqual({
      ok: false,
      error: { code: 'unauthorized', message: 'The access token has expired' },
    });
    expect(await closed).toBe('io server disconnect');
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
