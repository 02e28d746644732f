import { randomUUID } from 'node:crypto';
import { eventually, eventuallyValue } from '@scale-chat/wait';
import { AUTH_LOGINS_TOPIC, LOGIN_REVOKED } from '@scale-chat/contracts';
import { KafkaConnection, RevokedLogins } from '@scale-chat/platform';
import {
  startTestJwks,
  startTestService,
  type TestJwks,
  type TestService,
} from '@scale-chat/platform/testing';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { DataSource } from 'typeorm';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';
import { RevokedLoginSweep } from './revoked-login-sweep';

jest.setTimeout(60_000);

/** Auth's `login.revoked` of login `familyId`, as a record of `auth.logins`. */
const revocationRecord = (userId: string, familyId: string) => ({
  key: userId,
  value: JSON.stringify({
    id: randomUUID(),
    type: LOGIN_REVOKED,
    occurredAt: new Date().toISOString(),
    data: { userId, familyId, reason: 'logout' },
  }),
});

describe('a revoked login on chat-gateway', () => {
  let jwks: TestJwks;
  const gateways: TestService<ChatConfig>[] = [];

  beforeAll(async () => {
    jwks = await startTestJwks();
    const shared = {
      AUTH_JWKS_URL: jwks.url,
      SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
      // Both instances in one consumer group: each event reaches one of them.
      KAFKA_GROUP_PREFIX: `test-${randomUUID().slice(0, 8)}-chat-gateway`,
      KAFKA_TOPIC_PREFIX: `test-${randomUUID().slice(0, 8)}.`,
      LOGIN_RECHECK_MS: '200',
    };
    gateways.push(
      await startTestService(chatGatewayService, { ...shared, INSTANCE_ID: 'gateway-a' }),
    );
    const first = gateways[0];
    if (first === undefined) throw new Error('gateway-a did not start');
    // Two instances of one deployment share its database.
    gateways.push(
      await startTestService(chatGatewayService, {
        ...shared,
        INSTANCE_ID: 'gateway-b',
        DATABASE_URL: first.database.url,
      }),
    );
  });

  afterAll(async () => {
    for (const gateway of [...gateways].reverse()) await gateway.close();
    await jwks?.close();
  });

  const socketOf = async (gateway: TestService<ChatConfig>, familyId: string): Promise<Socket> => {
    const token = await jwks.signer.sign({ userId: randomUUID(), username: 'ann', familyId });
    const socket = connect(gateway.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  };

  /**
   * Announces the revocation of login `familyId` on auth.logins, again every 500 ms until
   * `done`: the consumers read from "now", wherever "now" fell.
   */
  const revokeUntil = async (
    gateway: TestService<ChatConfig>,
    userId: string,
    familyId: string,
    done: () => boolean | Promise<boolean>,
  ) => {
    const producer = gateway.app
      .get(KafkaConnection)
      .kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const deadline = Date.now() + 20_000;
      while (!(await done()) && Date.now() < deadline) {
        await producer.send({
          topic: `${gateway.config.kafkaTopicPrefix}${AUTH_LOGINS_TOPIC.name}`,
          messages: [revocationRecord(userId, familyId)],
        });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await producer.disconnect();
    }
  };

  it('keeps a revocation two days, past the lifetime of any access token of its login', async () => {
    const dataSource = gateways[0]?.app.get(DataSource) as DataSource;
    const [stale, recent, now] = [randomUUID(), randomUUID(), randomUUID()];
    await dataSource.query(
      `INSERT INTO "revoked_logins" ("family_id", "revoked_at")
       VALUES ($1, now() - interval '3 days'), ($2, now() - interval '1 day')`,
      [stale, recent],
    );
    const revokedLogins = gateways[0]?.app.get(RevokedLogins) as RevokedLogins;
    await dataSource.transaction((manager) => revokedLogins.record(manager, now));
    const kept = (await dataSource.query(
      `SELECT "family_id" FROM "revoked_logins" WHERE "family_id" = ANY($1::uuid[])`,
      [[stale, recent, now]],
    )) as { family_id: string }[];
    expect(kept.map((row) => row.family_id).sort()).toEqual([recent, now].sort());
  });

  it("closes that login's sockets on every instance, and no one else's", async () => {
    const [a, b] = gateways as [TestService<ChatConfig>, TestService<ChatConfig>];
    const revoked = randomUUID();
    const sockets = [await socketOf(a, revoked), await socketOf(b, revoked)];
    const bystander = await socketOf(b, randomUUID());
    const reasons: string[] = [];
    for (const socket of [...sockets, bystander])
      socket.on('disconnect', (reason) => reasons.push(reason));

    const userId = randomUUID();
    await revokeUntil(a, userId, revoked, () => reasons.length >= 2);

    expect(reasons).toEqual(['io server disconnect', 'io server disconnect']);
    expect(sockets.map((socket) => socket.connected)).toEqual([false, false]);
    expect(bystander.connected).toBe(true);
    bystander.disconnect();

    // The revoked login's tokens are refused from now on, on every instance, over
    // Socket.IO and REST alike; another login's are not.
    const revokedToken = await jwks.signer.sign({ userId, username: 'ann', familyId: revoked });
    const otherToken = await jwks.signer.sign({ userId, username: 'ann', familyId: randomUUID() });
    await expect(socketOf(b, revoked)).rejects.toThrow('unauthorized');
    const rooms = (gateway: TestService<ChatConfig>, token: string) =>
      fetch(`${gateway.url}/api/rooms`, { headers: { authorization: `Bearer ${token}` } }).then(
        (response) => response.status,
      );
    expect([await rooms(a, revokedToken), await rooms(b, revokedToken)]).toEqual([401, 401]);
    expect(await rooms(a, otherToken)).toBe(200);
  });

  it('stops a socket acting once its login is found revoked, should the closing broadcast be lost', async () => {
    const [a] = gateways as [TestService<ChatConfig>];
    const familyId = randomUUID();
    const socket = await socketOf(a, familyId);
    const closed = new Promise((resolve) => socket.once('disconnect', resolve));
    // Recorded, and no broadcast; the sweep that would close it in between is paused, so
    // only the socket's next event can find out.
    const sweep = a.app.get(RevokedLoginSweep);
    await sweep.beforeApplicationShutdown();
    try {
      await a.app
        .get(DataSource)
        .query(`INSERT INTO "revoked_logins" ("family_id") VALUES ($1)`, [familyId]);
      const refused = await eventuallyValue(
        'an event of the socket refused',
        () =>
          socket
            .timeout(5_000)
            .emitWithAck('typing', { roomId: randomUUID(), typing: true }) as Promise<{
            ok: boolean;
            error?: { code: string };
          }>,
        (ack) => ack.error?.code === 'unauthorized',
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(await closed).toBe('io server disconnect');
    } finally {
      sweep.onApplicationBootstrap();
    }
  });

  it('closes a socket that only listens once its login is found revoked, should the closing broadcast be lost', async () => {
    const [a] = gateways as [TestService<ChatConfig>];
    const familyId = randomUUID();
    const socket = await socketOf(a, familyId);
    const bystander = await socketOf(a, randomUUID());
    let reason: string | undefined;
    socket.once('disconnect', (why) => (reason = why));
    // Recorded, and no broadcast; the socket sends nothing.
    await a.app
      .get(DataSource)
      .query(`INSERT INTO "revoked_logins" ("family_id") VALUES ($1)`, [familyId]);
    await eventually('the quiet socket closed', () => reason !== undefined);
    expect(reason).toBe('io server disconnect');
    expect(bystander.connected).toBe(true);
    bystander.disconnect();
  });

  it('refuses a socket whose login is revoked while it is being admitted', async () => {
    const [a] = gateways as [TestService<ChatConfig>];
    const userId = randomUUID();
    const familyId = randomUUID();
    const token = await jwks.signer.sign({ userId, username: 'ann', familyId });
    const db = new Client({ connectionString: a.database.url });
    await db.connect();
    try {
      // The admission waits on the user's presence lock, which the test holds, past the
      // handshake's own revocation check.
      await db.query('SELECT pg_advisory_lock(hashtext($1))', [`presence:${userId}`]);
      const socket = connect(a.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        auth: { token },
      });
      const outcome = new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(error.message));
      });
      const waiting = async () =>
        (
          await db.query<{ n: number }>(
            `SELECT count(*)::int AS "n" FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"
              AND "database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())`,
          )
        ).rows[0]?.n === 1;
      for (let tries = 0; !(await waiting()); tries += 1) {
        if (tries > 200) throw new Error('the admission never waited on the lock');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const schema = a.config.databaseSchema;
      await revokeUntil(a, userId, familyId, async () => {
        const { rows } = await db.query(
          `SELECT 1 FROM "${schema}"."revoked_logins" WHERE "family_id" = $1`,
          [familyId],
        );
        return rows.length > 0;
      });
      await db.query('SELECT pg_advisory_unlock(hashtext($1))', [`presence:${userId}`]);
      expect(await outcome).toBe('unauthorized');
      socket.disconnect();
    } finally {
      await db.end();
    }
  });
});

describe('a revocation announced while no gateway runs', () => {
  it('is recorded by the first instance to start after it', async () => {
    const jwks = await startTestJwks();
    const environment = {
      AUTH_JWKS_URL: jwks.url,
      SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
      KAFKA_GROUP_PREFIX: `test-${randomUUID().slice(0, 8)}-chat-gateway`,
      KAFKA_TOPIC_PREFIX: `test-${randomUUID().slice(0, 8)}.`,
    };
    // A deployment that ran (its group joined, its topics made) and was stopped, all of
    // it, as a rollout that recreates every pod does.
    const before = await startTestService(chatGatewayService, environment);
    await before.app.close();
    const familyId = randomUUID();
    const producer = new Kafka({
      brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','),
      logLevel: logLevel.NOTHING,
    }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    // One revocation on each partition: whichever the group had read before or not.
    const userIds = Array.from({ length: 12 }, () => randomUUID());
    await producer.send({
      topic: `${environment.KAFKA_TOPIC_PREFIX}${AUTH_LOGINS_TOPIC.name}`,
      messages: userIds.map((userId) => revocationRecord(userId, familyId)),
    });
    await producer.disconnect();
    const after = await startTestService(chatGatewayService, {
      ...environment,
      DATABASE_URL: before.database.url,
    });
    try {
      await eventually('the revocation recorded', () =>
        after.app.get(RevokedLogins).isRevoked(familyId),
      );
    } finally {
      await after.close();
      await before.database.drop();
      await jwks.close();
    }
  });
});
