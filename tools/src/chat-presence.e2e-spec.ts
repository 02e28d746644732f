import { randomUUID } from 'node:crypto';
import type { RoomView } from '@scale-chat/contracts';
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { api, ask, eventually, newUser, socketOf, type TestUser } from './cluster/chat-client';
import { startChatCluster, type ChatCluster } from './cluster/chat-cluster';

jest.setTimeout(120_000);

// What a starved machine survives: an instance late by a few seconds is not swept.
const HEARTBEAT_MS = 1_000;
const TIMEOUT_MS = 6_000;

/** Presence, the socket cap and the send rate limit, across two real gateway processes. */
describe('presence and limits across gateway instances', () => {
  let cluster: ChatCluster;
  let ann: TestUser;
  let bob: TestUser;
  let room: RoomView;
  const sockets: Socket[] = [];
  const url = (index: number) => cluster.gateways[index]?.url ?? '';
  const open = async (index: number, user: TestUser) => {
    const socket = await socketOf(url(index), user.token);
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    cluster = await startChatCluster({
      env: {
        PRESENCE_HEARTBEAT_MS: String(HEARTBEAT_MS),
        PRESENCE_TIMEOUT_MS: String(TIMEOUT_MS),
        SOCKETS_PER_USER_MAX: '3',
        MESSAGE_RATE_BURST: '3',
        MESSAGE_RATE_PER_SECOND: '1',
        TYPING_RATE_BURST: '10',
        TYPING_RATE_PER_SECOND: '5',
        READ_RATE_BURST: '20',
        READ_RATE_PER_SECOND: '10',
      },
    });
    const tag = randomUUID().slice(0, 6);
    [ann, bob] = await Promise.all([
      newUser(cluster.auth.url, `ann_${tag}`),
      newUser(cluster.auth.url, `bob_${tag}`),
    ]);
    const created = await api<RoomView>(url(0), 'POST', '/api/rooms', {
      token: ann.token,
      body: { name: 'presence', memberIds: [bob.userId] },
    });
    room = created.body;
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('rate-limits message:send per user (a burst, then the sustained rate), others unaffected', async () => {
    const annSocket = await open(0, ann);
    const bobSocket = await open(0, bob);
    // Sent together, not each after the last one's ack: three stored messages could take
    // longer than the second that refills a token on a busy machine. The limit is taken as
    // each arrives, in the order sent.
    const acks = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        ask(annSocket, 'message:send', {
          roomId: room.id,
          clientMsgId: `flood-${n}`,
          body: `flood ${n}`,
        }),
      ),
    );
    const codes = acks.map((ack) => (ack.ok ? 'ok' : ack.error.code));
    expect(codes).toEqual(['ok', 'ok', 'ok', 'rate_limited', 'rate_limited']);
    const bobAck = await ask(bobSocket, 'message:send', {
      roomId: room.id,
      clientMsgId: 'calm',
      body: 'calm',
    });
    expect(bobAck.ok).toBe(true);
    expect(annSocket.connected).toBe(true);
    annSocket.disconnect();
    bobSocket.disconnect();
  });

  it('takes REST sends from the same per-user budget as message:send, and limits typing and read receipts', async () => {
    const cat = await newUser(cluster.auth.url, `cat_${randomUUID().slice(0, 6)}`);
    const created = await api<RoomView>(url(1), 'POST', '/api/rooms', {
      token: cat.token,
      body: { name: 'budget' },
    });
    const catSocket = await open(0, cat);
    // Ten sends at once, five each way, to one instance (budgets are per instance), against
    // one budget: a burst of 3 and 1 a second.
    const started = Date.now();
    const [overSocket, overRest] = await Promise.all([
      Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          ask(catSocket, 'message:send', {
            roomId: created.body.id,
            clientMsgId: `socket-${n}`,
            body: 'both ways',
          }),
        ),
      ),
      Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          fetch(`${url(0)}/api/rooms/${created.body.id}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${cat.token}` },
            body: JSON.stringify({ clientMsgId: `rest-${n}`, body: 'both ways' }),
          }),
        ),
      ),
    ]);
    const refills = Math.ceil((Date.now() - started) / 1000);
    const stored =
      overSocket.filter((ack) => ack.ok).length +
      overRest.filter((response) => response.status === 201).length;
    expect(stored).toBeLessThanOrEqual(3 + refills);
    expect(overSocket.filter((ack) => !ack.ok).map((ack) => !ack.ok && ack.error.code)).toEqual(
      overSocket.filter((ack) => !ack.ok).map(() => 'rate_limited'),
    );
    const refusedRest = overRest.filter((response) => response.status !== 201);
    for (const response of refusedRest) {
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await response.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    }

    // Typing and read receipts, as this suite sets them: a burst of 10 then 5 a second, and 20 then 10.
    for (const [event, payload, burst, perSecond] of [
      ['typing', { roomId: created.body.id, typing: true }, 10, 5],
      ['read', { roomId: created.body.id, seq: 1 }, 20, 10],
    ] as const) {
      const sentAt = Date.now();
      const acks = await Promise.all(
        Array.from({ length: 60 }, () => ask(catSocket, event, payload)),
      );
      const allowed = acks.filter((ack) => ack.ok).length;
      expect(allowed).toBeLessThanOrEqual(
        burst + perSecond * Math.ceil((Date.now() - sentAt) / 1000),
      );
      expect(acks.filter((ack) => !ack.ok && ack.error.code === 'rate_limited').length).toBe(
        60 - allowed,
      );
    }
    expect(catSocket.connected).toBe(true);
  });

  it('caps the sockets of one user across instances', async () => {
    const held = [await open(0, ann), await open(1, ann), await open(0, ann)];
    await expect(socketOf(url(1), ann.token)).rejects.toThrow('too_many_connections');
    held[0]?.disconnect();
    await eventually('a slot frees up', async () => {
      try {
        sockets.push(await socketOf(url(1), ann.token));
        return true;
      } catch {
        return false;
      }
    });
    for (const socket of sockets) socket.disconnect();
    sockets.length = 0;
  });

  it('forgets a socket whose client left while it was being admitted: it holds no slot and keeps nobody online', async () => {
    const cat = await newUser(cluster.auth.url, `cat_${randomUUID().slice(0, 6)}`);
    const db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const rowsOf = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS "n" FROM "chat"."presence_sockets" WHERE "user_id" = $1`,
            [cat.userId],
          )
        ).rows[0]?.n;
      // The admission waits on the user's presence lock, which the test holds.
      await db.query(`SELECT pg_advisory_lock(hashtext($1))`, [`presence:${cat.userId}`]);
      const leaving = connect(url(0), {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: { token: cat.token },
      });
      await eventually('the admission waits on the lock', async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS "n" FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"
              AND "database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())`,
        );
        return (rows[0]?.n ?? 0) > 0;
      });
      leaving.disconnect();
      await db.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`presence:${cat.userId}`]);
      // The admission's transaction was granted the lock as it was released: once the
      // test has it again, that transaction has ended, and its row (if it wrote one) is
      // there to be forgotten.
      await db.query(`SELECT pg_advisory_lock(hashtext($1))`, [`presence:${cat.userId}`]);
      await db.query(`SELECT pg_advisory_unlock(hashtext($1))`, [`presence:${cat.userId}`]);
      await eventually('nothing is left of it', async () => (await rowsOf()) === 0);
      // All of the user's slots are free.
      const held = [await open(0, cat), await open(1, cat), await open(0, cat)];
      expect(held.every((socket) => socket.connected)).toBe(true);
      for (const socket of held) socket.disconnect();
    } finally {
      await db.end();
    }
  });

  it('keeps a user online while any socket anywhere remains; the death of its instance takes it offline', async () => {
    // Users who have never connected, so no disconnect of an earlier test is still landing.
    const [ann, cue] = (await Promise.all(
      ['tab', 'cue'].map((name) =>
        newUser(cluster.auth.url, `${name}_${randomUUID().slice(0, 6)}`),
      ),
    )) as [TestUser, TestUser];
    for (const user of [ann, cue]) {
      const added = await api(url(0), 'POST', `/api/rooms/${room.id}/members`, {
        token: bob.token,
        body: { userId: user.userId },
      });
      expect(added.status).toBe(201);
    }
    const db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    try {
      const socketRows = async (column: 'user_id' | 'socket_id', value: string) =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS "n" FROM "chat"."presence_sockets" WHERE "${column}" = $1`,
            [value],
          )
        ).rows[0]?.n;
      const watcher = await open(0, bob);
      const heard: { userId: string; online: boolean }[] = [];
      const cueHeard: boolean[] = [];
      watcher.on('presence', (event: { userId: string; online: boolean }) => {
        if (event.userId === ann.userId) heard.push(event);
        if (event.userId === cue.userId) cueHeard.push(event.online);
      });
      const first = await open(0, ann);
      const firstId = first.id as string;
      await eventually('ann online', () => heard.length === 1);
      await open(1, ann); // a second tab, on the other instance
      first.disconnect();
      // Its row goes in the transaction that would have announced ann offline, so that
      // announcement (instance 0's) is on its way by then; cue's online, from instance 0
      // too, comes after it, and the watcher hears them in that order.
      await eventually(
        'the first tab forgotten',
        async () => (await socketRows('socket_id', firstId)) === 0,
      );
      expect(await socketRows('user_id', ann.userId)).toBe(1);
      await open(0, cue);
      await eventually('cue online', () => cueHeard.length === 1);
      expect(heard).toEqual([{ userId: ann.userId, online: true }]);

      const killedAt = Date.now();
      await cluster.gateways[1]?.kill('SIGKILL');
      await eventually('ann offline', () => heard.length === 2, TIMEOUT_MS + 15_000);
      process.stdout.write(
        `presence: offline ${Date.now() - killedAt} ms after SIGKILL of the instance holding the last socket ` +
          `(heartbeat ${HEARTBEAT_MS} ms, timeout ${TIMEOUT_MS} ms)\n`,
      );
      expect(heard[1]).toEqual({ userId: ann.userId, online: false });
      // Swept with its instance, before the announcement.
      expect(await socketRows('user_id', ann.userId)).toBe(0);
    } finally {
      await db.end();
    }
  });
});
