import { randomUUID } from 'node:crypto';
import { EDGE_PORT, SERVICES, type MessageView } from '@scale-chat/contracts';
import {
  api,
  ask,
  collectMessages,
  eventually,
  newUser,
  socketOf,
  type TestUser,
} from '../cluster';
import {
  accessLogOffset,
  accessLogSince,
  answeredBy,
  instancesBySession,
  sessionOf,
  type AccessLogEntry,
} from './access-log';
import { stopPid } from '../infra';
import { routeCookie, servicePid, trackedClient, type TrackedClient } from './edge-clients';

const EDGE = `http://127.0.0.1:${EDGE_PORT}`;
const [INSTANCE_1, INSTANCE_2] = SERVICES['chat-gateway'].ports.map((port) => `127.0.0.1:${port}`);

/** Users and a room made through the edge, shared by the checks that follow. */
interface EdgeFixture {
  users: TestUser[];
  roomId: string;
}

async function roomOf(owner: TestUser, members: readonly TestUser[]): Promise<string> {
  const room = await api<{ id: string }>(EDGE, 'POST', '/api/rooms', {
    token: owner.token,
    body: { name: `edge ${randomUUID().slice(0, 6)}`, memberIds: members.map((m) => m.userId) },
  });
  expect(room.status).toBe(201);
  return room.body.id;
}

function count(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** The instance that served a client's current session, from the edge's access log. */
function instanceOf(client: TrackedClient, entries: readonly AccessLogEntry[]): string | undefined {
  const session = client.sessions.at(-1);
  const entry = entries.find((candidate) => sessionOf(candidate) === session);
  return entry === undefined ? undefined : answeredBy(entry);
}

function closeAll(clients: readonly TrackedClient[]): void {
  for (const client of clients) client.socket.disconnect();
}

/** Checks through the edge while both gateway instances run (before any is killed). */
export function edgeChecksWithBothInstances(fixture: EdgeFixture): void {
  it('signs up, logs in, makes a room and chats over Socket.IO, all through the edge', async () => {
    const suffix = randomUUID().slice(0, 6);
    const [alice, bob] = await Promise.all([
      newUser(EDGE, `edge_alice_${suffix}`),
      newUser(EDGE, `edge_bob_${suffix}`),
    ]);
    const roomId = await roomOf(alice, [bob]);
    const [aliceSocket, bobSocket] = await Promise.all([
      socketOf(EDGE, alice.token),
      socketOf(EDGE, bob.token),
    ]);
    try {
      const received = collectMessages(bobSocket);
      const ack = await ask<{ message: MessageView }>(aliceSocket, 'message:send', {
        roomId,
        clientMsgId: 'hello-1',
        body: 'hello through the edge',
      });
      expect(ack).toMatchObject({ ok: true, message: { seq: 1, senderId: alice.userId } });
      await eventually('bob receives the message', () => received.length === 1);
      expect(received[0]).toMatchObject({ roomId, seq: 1, body: 'hello through the edge' });
      const rooms = await api<{ items: { id: string; lastMessage: { body: string } }[] }>(
        EDGE,
        'GET',
        '/api/rooms',
        { token: bob.token },
      );
      expect(rooms.body.items).toEqual([
        expect.objectContaining({ id: roomId, lastMessage: expect.objectContaining({ seq: 1 }) }),
      ]);
    } finally {
      aliceSocket.disconnect();
      bobSocket.disconnect();
    }
  }, 60_000);

  it('keeps 200 long-polling Socket.IO clients each on one instance: all messages, no "Session ID unknown"', async () => {
    const suffix = randomUUID().slice(0, 6);
    fixture.users = await Promise.all(
      Array.from({ length: 10 }, (_, index) => newUser(EDGE, `edge_poll_${index}_${suffix}`)),
    );
    const [owner, ...members] = fixture.users;
    if (owner === undefined) throw new Error('no users');
    fixture.roomId = await roomOf(owner, members);
    const offset = accessLogOffset();
    const startedAt = Date.now();
    // 160 browsers (each with the route cookie of its page load), 40 cookie-less scripts.
    const clients = await Promise.all(
      Array.from({ length: 200 }, async (_, index) => {
        const user = fixture.users[index % fixture.users.length] as TestUser;
        const cookie = index % 5 === 0 ? undefined : await routeCookie(EDGE);
        return trackedClient(EDGE, user.token, {
          transports: ['polling'],
          ...(cookie === undefined ? {} : { extraHeaders: { cookie } }),
        });
      }),
    );
    try {
      const acks = await Promise.all(
        clients.map((client, index) =>
          ask(client.socket, 'message:send', {
            roomId: fixture.roomId,
            clientMsgId: `poll-${index}`,
            body: `long-polling message ${index}`,
          }),
        ),
      );
      expect(acks.filter((ack) => !ack.ok)).toEqual([]);
      await eventually(
        'every client has all 200 messages',
        () => clients.every((client) => client.received.length >= 200),
        90_000,
      );
      const deliveredAfterMs = Date.now() - startedAt;
      const entries = accessLogSince(offset).filter((entry) => entry.uri.startsWith('/socket.io/'));
      const sessions = instancesBySession(entries);
      const instances = clients.map((client) => instanceOf(client, entries) ?? 'unknown');
      const rejected = entries.filter((entry) => entry.status === 400);
      process.stdout.write(
        `200 long-polling clients through the edge: ${entries.length} requests, sessions per instance ${JSON.stringify(count(instances))}, ` +
          `${rejected.length} answered 400 (Session ID unknown), ${clients.reduce((sum, client) => sum + client.problems.length, 0)} client errors, ` +
          `40,000 deliveries done ${(deliveredAfterMs / 1000).toFixed(1)} s after the first connect\n`,
      );
      expect(rejected).toEqual([]);
      expect(clients.flatMap((client) => client.problems)).toEqual([]);
      for (const client of clients) {
        expect(client.received.map((message) => message.seq)).toEqual(
          Array.from({ length: 200 }, (_, index) => index + 1),
        );
        expect([...(sessions.get(client.sessions[0] ?? '') ?? [])]).toHaveLength(1);
      }
      // The cookie spreads browsers over both instances; without it, one address, one instance.
      expect(new Set(instances.filter((_, index) => index % 5 !== 0))).toEqual(
        new Set([INSTANCE_1, INSTANCE_2]),
      );
      expect(new Set(instances.filter((_, index) => index % 5 === 0)).size).toBe(1);
    } finally {
      closeAll(clients);
    }
  }, 180_000);

  it("answers with the edge's own headers and JSON errors, and serves the web app's page", async () => {
    const jwks = await fetch(`${EDGE}/api/auth/jwks`);
    expect(jwks.headers.get('x-content-type-options')).toBe('nosniff');
    expect(jwks.headers.get('x-frame-options')).toBe('DENY');
    expect(jwks.headers.get('content-security-policy')).toContain("default-src 'self'");
    // The edge gives every request a correlation id, which the service echoes.
    expect(jwks.headers.get('x-correlation-id')).toMatch(/^[0-9a-f]{32}$/);

    const docs = await fetch(`${EDGE}/api/auth/docs/openapi.json`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(docs.headers.get('content-encoding')).toBe('gzip');

    const tooLarge = await fetch(`${EDGE}/api/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });

    // dist/apps/web is built (tools:e2e depends on web:build): index.html for any
    // client-side route, never cached.
    const page = await fetch(`${EDGE}/rooms/some-client-side-route`);
    expect(page.headers.get('set-cookie')).toMatch(/^chat_route=[0-9a-f]{32}; Path=\/; HttpOnly/);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers hostile requests in the error shape, through the edge and directly, naming no framework', async () => {
    const unknown = await fetch(`${EDGE}/api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const deep = `{"username": ${'['.repeat(2_000)}${']'.repeat(2_000)}, "password": "x"}`;
    for (const base of [EDGE, `http://127.0.0.1:${SERVICES.auth.ports[0]}`]) {
      const form = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=ann&password=secret-password',
      });
      expect(form.status).toBe(415);
      expect(await form.json()).toMatchObject({ statusCode: 415 });
      const nested = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: deep,
      });
      expect(nested.status).toBe(400);
      expect(await nested.json()).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      const jwks = await fetch(`${base}/api/auth/jwks`);
      expect(jwks.headers.get('x-powered-by')).toBeNull();
    }
  });
}

/** Checks that take gateway instance 1 away for good: run them last. */
export function edgeChecksKillingInstanceOne(fixture: EdgeFixture): void {
  it('sends new connections, and the clients of a killed gateway instance, to the other one', async () => {
    const offset = accessLogOffset();
    // 40 browsers (route cookie, long-polling upgraded to WebSocket), reconnecting as browsers do.
    const clients = await Promise.all(
      Array.from({ length: 40 }, async (_, index) =>
        trackedClient(EDGE, (fixture.users[index % fixture.users.length] as TestUser).token, {
          transports: ['polling', 'websocket'],
          reconnection: true,
          extraHeaders: { cookie: await routeCookie(EDGE) },
        }),
      ),
    );
    try {
      let before: AccessLogEntry[] = [];
      await eventually('every client is in the access log', () => {
        before = accessLogSince(offset);
        return clients.every((client) => instanceOf(client, before) !== undefined);
      });
      const onOne = clients.filter((client) => instanceOf(client, before) === INSTANCE_1);
      const onTwo = clients.filter((client) => instanceOf(client, before) === INSTANCE_2);
      expect(onOne.length).toBeGreaterThan(0);
      expect(onOne.length + onTwo.length).toBe(clients.length);

      // SIGKILL lands asynchronously: for a moment the process may still answer a new
      // connection and then reset it. The new connections below are for after it is gone.
      await stopPid(
        servicePid('chat-gateway', SERVICES['chat-gateway'].ports[0]),
        30_000,
        'SIGKILL',
      );
      // The figures printed count from here: the process gone, not the signal sent.
      const killedAt = Date.now();
      const afterKill = accessLogOffset();

      // New connections as soon as it is gone: every one lands on instance 2.
      const fresh = await Promise.all(
        Array.from({ length: 10 }, async (_, index) => {
          const client = await trackedClient(
            EDGE,
            (fixture.users[index % fixture.users.length] as TestUser).token,
            { transports: ['polling'], extraHeaders: { cookie: await routeCookie(EDGE) } },
          );
          return { client, connectedAfterMs: Date.now() - killedAt };
        }),
      );
      // The clients that were on instance 1 reconnect through the edge, to instance 2
      // (Socket.IO's backoff: 1 s, doubling up to 5 s, between attempts).
      await eventually(
        'the clients of instance 1 reconnect',
        () => onOne.every((client) => client.sessions.length >= 2 && client.socket.connected),
        30_000,
      );
      const reconnectedAfterMs = Date.now() - killedAt;
      const after = accessLogSince(afterKill);
      expect(fresh.map(({ client }) => instanceOf(client, after))).toEqual(
        fresh.map(() => INSTANCE_2),
      );
      expect(onOne.map((client) => instanceOf(client, after))).toEqual(onOne.map(() => INSTANCE_2));
      expect(onTwo.flatMap((client) => client.problems)).toEqual([]);
      const recovered = onOne.filter((client) => client.socket.recovered).length;
      process.stdout.write(
        `gateway instance 1 killed with ${onOne.length} of 40 clients on it: new connections on instance 2 after ` +
          `${Math.min(...fresh.map((entry) => entry.connectedAfterMs))}-${Math.max(...fresh.map((entry) => entry.connectedAfterMs))} ms, ` +
          `its clients all reconnected to instance 2 within ${reconnectedAfterMs} ms (${recovered} with their state recovered); ` +
          `${onTwo.length} clients on instance 2 undisturbed\n`,
      );

      // And the chat goes on: a moved client sends, one that never moved receives. Stored
      // messages are broadcast by the instance relaying the outbox: if that was the dead
      // one, the survivor takes its lock over within about a second.
      const [mover] = onOne;
      const [stayer] = onTwo.length > 0 ? onTwo : fresh.map((entry) => entry.client);
      if (mover === undefined || stayer === undefined) throw new Error('no clients to chat');
      const sentAt = Date.now();
      const ack = await ask(mover.socket, 'message:send', {
        roomId: fixture.roomId,
        clientMsgId: `after-failover-${randomUUID()}`,
        body: 'after the failover',
      });
      expect(ack.ok).toBe(true);
      await eventually(
        'the message reaches a client on instance 2',
        () => stayer.received.some((message) => message.body === 'after the failover'),
        60_000,
      );
      process.stdout.write(
        `a message sent ${sentAt - killedAt} ms after the kill reached instance 2's client ${Date.now() - sentAt} ms later\n`,
      );
      closeAll(fresh.map((entry) => entry.client));
    } finally {
      closeAll(clients);
    }
  }, 180_000);
}

/** Floods /api/auth/: leaves the rate limit's bucket empty for a few seconds, so run it last. */
export function edgeRateLimitCheck(): void {
  it('rate-limits /api/auth/ per address with 429 in the error shape of API.md', async () => {
    const answers = await Promise.all(
      Array.from({ length: 150 }, () => fetch(`${EDGE}/api/auth/jwks`)),
    );
    const limited = answers.filter((response) => response.status === 429);
    process.stdout.write(
      `150 concurrent requests to /api/auth/: ${JSON.stringify(count(answers.map((response) => String(response.status))))}\n`,
    );
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((response) => response.status === 200).length).toBeGreaterThan(50);
    expect(limited[0]?.headers.get('retry-after')).toBe('1');
    expect(await limited[0]?.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many requests; try again shortly',
    });
  });
}
