import { eventuallyValue } from '@scale-chat/wait';
import { randomUUID } from 'node:crypto';
import {
  AUTH_LOGINS_TOPIC,
  AUTH_USERS_TOPIC,
  CHAT_ROOM_EVENTS_TOPIC,
  LOGIN_REVOKED,
  ROOM_EVENT_TYPES,
  USER_EVENT_TYPES,
  type EventEnvelope,
  type TopicSpec,
} from '@scale-chat/contracts';
import {
  createLogger,
  KafkaConnection,
  KafkaEventsTransport,
  withTimeout,
} from '@scale-chat/platform';
import {
  startTestJwks,
  startTestService,
  type TestJwks,
  type TestService,
} from '@scale-chat/platform/testing';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { logConsumerService } from '../app.module';
import { adminTokenOf, startFedLogConsumer } from './stats-test-kit';
import { EVENT_LOG_CONSUMER } from '../events/event-log.consumer';
import { rebuildEventLog } from '../events/rebuild';
import type { LogConfig } from '../log-config';

jest.setTimeout(90_000);

const MINUTE = 60_000;

function envelope(type: string, data: unknown, occurredAt = new Date()): EventEnvelope {
  return { id: randomUUID(), type, occurredAt: occurredAt.toISOString(), data };
}

function messageSent(body: string, occurredAt = new Date(), roomId = randomUUID()) {
  const message = {
    id: randomUUID(),
    roomId,
    seq: 1,
    senderId: randomUUID(),
    body,
    clientMsgId: randomUUID(),
    createdAt: occurredAt.toISOString(),
  };
  return envelope(ROOM_EVENT_TYPES.messageSent, { message }, occurredAt);
}

/** A room as chat-gateway announces it (its schema in libs/contracts checks every field). */
function roomCreated() {
  const ownerId = randomUUID();
  const createdAt = new Date().toISOString();
  const room = {
    id: randomUUID(),
    name: 'general',
    ownerId,
    members: [{ userId: ownerId, role: 'owner', joinedAt: createdAt }],
    lastSeq: 0,
    createdAt,
  };
  return envelope(ROOM_EVENT_TYPES.roomCreated, { room });
}

function userRegistered(occurredAt = new Date()) {
  const userId = randomUUID();
  return envelope(
    USER_EVENT_TYPES.registered,
    { userId, username: `u${userId.slice(0, 8)}`, displayName: 'U', registeredAt: occurredAt },
    occurredAt,
  );
}

describe('log-consumer: stats fed from Kafka', () => {
  let jwks: TestJwks;
  let service: TestService<LogConfig>;
  let producer: Producer;
  let adminToken: string;
  let userToken: string;
  const env = () => ({
    AUTH_JWKS_URL: jwks.url,
    ADMIN_USERNAMES: 'boss,Chief',
    KAFKA_TOPIC_PREFIX: `test-logs-${randomUUID().slice(0, 8)}.`,
    KAFKA_GROUP_PREFIX: `test-${randomUUID().slice(0, 8)}-log-consumer`,
  });
  let settings: ReturnType<typeof env>;

  const get = async (path: string, token: string | null = adminToken) => {
    const response = await fetch(`${service.url}${path}`, {
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const summary = async () => (await get('/api/stats/summary')).body;
  const send = async (topic: TopicSpec, values: readonly (EventEnvelope | string)[]) => {
    await producer.send({
      topic: `${settings.KAFKA_TOPIC_PREFIX}${topic.name}`,
      messages: values.map((value) => ({
        key: randomUUID(),
        value: typeof value === 'string' ? value : JSON.stringify(value),
      })),
    });
  };
  const eventLogGroup = () => `${settings.KAFKA_GROUP_PREFIX}.${EVENT_LOG_CONSUMER}`;
  /** Until the service's groups, the event log's among them, have committed every record. */
  const committedToTheEnd = async () => {
    const caughtUp = service.app.get(KafkaEventsTransport).caughtUp();
    expect(await withTimeout(caughtUp, 15_000, 'committing every record')).toBe(true);
  };
  const metric = async (line: RegExp) => {
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const match = text.split('\n').find((candidate) => line.test(candidate));
    return match === undefined ? undefined : Number(match.split(' ').at(-1));
  };

  beforeAll(async () => {
    jwks = await startTestJwks();
    settings = env();
    ({ service, producer } = await startFedLogConsumer(settings));
    adminToken = await adminTokenOf(jwks);
    userToken = await jwks.signer.sign({
      userId: randomUUID(),
      username: 'ann',
      familyId: randomUUID(),
    });
  });

  afterAll(async () => {
    await producer?.disconnect();
    await service?.close();
    await jwks?.close();
  });

  it('counts events, a duplicated event once, and skips malformed records (counted) without stopping', async () => {
    const twice = userRegistered();
    const started = Date.now();
    await send(CHAT_ROOM_EVENTS_TOPIC, [
      'not json at all',
      JSON.stringify(envelope(ROOM_EVENT_TYPES.messageSent, { message: { body: 42 } })),
      JSON.stringify({ id: 'not-a-uuid', type: 'message.sent', occurredAt: 'x', data: {} }),
      roomCreated(),
      messageSent('Kafka 파티션 ordering matters'),
      messageSent('kafka 파티션에서 consumers'),
      messageSent('안녕하세요 Kafka'),
    ]);
    await send(AUTH_USERS_TOPIC, [twice, twice, userRegistered(), userRegistered()]);
    await send(AUTH_USERS_TOPIC, [twice]);

    const figures = await eventuallyValue(
      'the stats to catch up',
      summary,
      (body) => body['users'] === 3 && body['messages'] === 3 && body['rooms'] === 1,
    );
    // A figure, not a check (API.md: "within a few seconds"); bench/ measures speed.
    process.stdout.write(`events reached the stats in ${Date.now() - started} ms\n`);
    expect(figures).toEqual({
      users: 3,
      rooms: 1,
      messages: 3,
      messagesLastHour: 3,
      signupsToday: 3,
    });

    // Skipped, not retried: the group commits past every record, malformed ones too (a
    // consumer that retried them would never get there, and this wait would time out),
    // and then reads them no more. Each is counted each time it is read (Kafka delivers
    // at least once, so a rebalance or a retried batch reads it again), never fewer than 3.
    await committedToTheEnd();
    const malformedLine = new RegExp(
      `^kafka_events_total\\{.*consumer="${eventLogGroup()}".*outcome="malformed"`,
    );
    const malformed = await metric(malformedLine);
    expect(malformed).toBeGreaterThanOrEqual(3);
    await send(AUTH_USERS_TOPIC, [userRegistered()]);
    await eventuallyValue('the next event to count', summary, (body) => body['users'] === 4);
    await committedToTheEnd();
    expect(await metric(malformedLine)).toBe(malformed);

    const words = await get('/api/stats/top-words?window=15m&limit=2');
    expect(words).toEqual({
      status: 200,
      body: {
        items: [
          { word: 'kafka', count: 3 },
          { word: '파티션', count: 2 },
        ],
      },
    });
  });

  it('starts a total with no row yet at its first count (one added to the figures later)', async () => {
    const totals = service.app.get(DataSource);
    const before = await summary();
    await totals.query(`DELETE FROM "totals" WHERE "name" = 'rooms'`);
    await send(CHAT_ROOM_EVENTS_TOPIC, [roomCreated()]);
    const [row] = await eventuallyValue(
      'the room counted',
      async () =>
        (await totals.query(`SELECT "value" FROM "totals" WHERE "name" = 'rooms'`)) as {
          value: string;
        }[],
      (rows) => rows.length > 0,
    );
    expect(row).toEqual({ value: '1' });
    // The figures as they were, and this room: the later tests count from there.
    await totals.query(`UPDATE "totals" SET "value" = $1 WHERE "name" = 'rooms'`, [
      Number(before['rooms']) + 1,
    ]);
  });

  it('keeps an event read on a topic that does not carry its type in dead_letters, counting nothing', async () => {
    const before = await summary();
    const strayed = userRegistered();
    await send(CHAT_ROOM_EVENTS_TOPIC, [strayed]);
    await send(AUTH_USERS_TOPIC, [userRegistered()]);
    const users = Number(before['users']) + 1;
    await eventuallyValue('the next signup counted', summary, (body) => body['users'] === users);
    await committedToTheEnd();
    expect((await summary())['users']).toBe(users);
    const kept = (await service.app
      .get(DataSource)
      .query(`SELECT "topic", "error" FROM "dead_letters" WHERE "event_id" = $1`, [
        strayed.id,
      ])) as { topic: string; error: string }[];
    expect(kept).toEqual([
      {
        topic: `${settings.KAFKA_TOPIC_PREFIX}${CHAT_ROOM_EVENTS_TOPIC.name}`,
        error: 'event type user.registered does not travel on chat.room-events',
      },
    ]);
  });

  it("refuses the tokens of a login auth revoked from the moment it hears of it (API.md: that login's tokens stop working)", async () => {
    const familyId = randomUUID();
    const userId = randomUUID();
    const token = await jwks.signer.sign({ userId, username: 'boss', familyId, admin: true });
    expect((await get('/api/stats/summary', token)).status).toBe(200);
    await send(AUTH_LOGINS_TOPIC, [
      envelope(LOGIN_REVOKED, { userId, familyId, reason: 'logout' }),
    ]);
    const refused = await eventuallyValue(
      'the stats to catch up',
      () => get('/api/stats/summary', token),
      (answer) => answer.status === 401,
    );
    expect(refused.status).toBe(401);
    // Another login of an administrator is not touched.
    expect((await get('/api/stats/summary')).status).toBe(200);
  });

  it('serves minute, hour and day series with empty buckets as 0', async () => {
    const base = Date.parse('2026-01-05T10:00:00.000Z');
    await send(CHAT_ROOM_EVENTS_TOPIC, [
      messageSent('one', new Date(base + 5_000)),
      messageSent('two', new Date(base + 50_000)),
      messageSent('three', new Date(base + 2 * MINUTE + 1_000)),
      messageSent('four', new Date(base + 65 * MINUTE)),
    ]);
    await send(AUTH_USERS_TOPIC, [userRegistered(new Date(base + 30_000))]);
    const from = new Date(base).toISOString();
    const to = new Date(base + 3 * MINUTE).toISOString();
    // The events sit in several partitions, read in separate batches: wait for them all.
    const series = async (path: string, expected: unknown) =>
      (
        await eventuallyValue(
          'the stats to catch up',
          () => get(path),
          (response) => JSON.stringify(response.body) === JSON.stringify(expected),
        )
      ).body;
    const minutes = {
      items: [
        { t: '2026-01-05T10:00:00.000Z', count: 2 },
        { t: '2026-01-05T10:01:00.000Z', count: 0 },
        { t: '2026-01-05T10:02:00.000Z', count: 1 },
      ],
    };
    expect(
      await series(`/api/stats/messages?bucket=minute&from=${from}&to=${to}`, minutes),
    ).toEqual(minutes);
    const hours = {
      items: [
        { t: '2026-01-05T09:00:00.000Z', count: 0 },
        { t: '2026-01-05T10:00:00.000Z', count: 3 },
        { t: '2026-01-05T11:00:00.000Z', count: 1 },
      ],
    };
    expect(
      await series(
        '/api/stats/messages?bucket=hour&from=2026-01-05T09:30:00Z&to=2026-01-05T12:00:00Z',
        hours,
      ),
    ).toEqual(hours);
    const days = {
      items: [
        { t: '2026-01-04T00:00:00.000Z', count: 0 },
        { t: '2026-01-05T00:00:00.000Z', count: 1 },
      ],
    };
    expect(
      await series(
        '/api/stats/signups?bucket=day&from=2026-01-04T00:00:00Z&to=2026-01-06T00:00:00Z',
        days,
      ),
    ).toEqual(days);
  });

  it('answers 401 without a token, 403 to a non-admin, 400 to bad bucket, from, to, window and limit', async () => {
    expect((await get('/api/stats/summary', null)).status).toBe(401);
    for (const path of [
      '/api/stats/summary',
      '/api/stats/messages',
      '/api/stats/signups',
      '/api/stats/top-words',
    ]) {
      expect((await get(path, userToken)).status).toBe(403);
    }
    // A listed name is not enough without the role auth gives an account (a deleted
    // administrator's name signed up again), nor the role without a listed name.
    for (const [username, admin] of [
      ['chief', false],
      ['ann', true],
    ] as const) {
      const token = await jwks.signer.sign({
        userId: randomUUID(),
        username,
        familyId: randomUUID(),
        admin,
      });
      expect((await get('/api/stats/summary', token)).status).toBe(403);
    }
    const bad = [
      '/api/stats/messages?bucket=week',
      '/api/stats/messages?bucket=%20',
      '/api/stats/messages?from=yesterday',
      '/api/stats/messages?to=2026-13-01T00:00:00Z',
      // ISO 8601 forms that name no instant, or one in the server's zone: a 500 before.
      '/api/stats/messages?from=2026-W02-1',
      '/api/stats/messages?from=20260105T100000Z',
      '/api/stats/messages?from=2026-01-05T10Z',
      '/api/stats/messages?from=2026-005',
      '/api/stats/messages?from=2026-01-05T10:00:00',
      '/api/stats/messages?to=2026-02-30T00:00:00Z',
      // Under 1,500 minutes from `from`, but 1,501 buckets from its bucket's start (10:00).
      '/api/stats/messages?bucket=minute&from=2026-01-05T10:00:30Z&to=2026-01-06T11:00:01Z',
      '/api/stats/signups?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/api/stats/signups?bucket=minute&from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z',
      '/api/stats/signups?bucket=hour&extra=1',
      '/api/stats/summary?extra=1',
      '/api/stats/top-words?window=2h',
      '/api/stats/top-words?window=1h&limit=0',
      '/api/stats/top-words?limit=101',
      '/api/stats/top-words?limit=abc',
      // Numbers as a decimal integer only: Number() alone took these.
      '/api/stats/top-words?limit=0x10',
      '/api/stats/top-words?limit=1e1',
      '/api/stats/top-words?limit=%2B5',
      '/api/stats/top-words?limit=%205',
      '/api/stats/top-words?limit=5.0',
    ];
    for (const path of bad) {
      const response = await get(path);
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    // A parameter with no value is absent (the default), as everywhere.
    expect((await get('/api/stats/messages?bucket=&from=')).status).toBe(200);
  });

  it('rebuilds from the start of the topics to the same figures', async () => {
    const paths = [
      '/api/stats/summary',
      '/api/stats/messages?bucket=minute&from=2026-01-05T10:00:00Z&to=2026-01-05T11:10:00Z',
      '/api/stats/signups?bucket=day&from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z',
      '/api/stats/top-words?window=24h&limit=50',
    ];
    const read = () => Promise.all(paths.map(async (path) => (await get(path)).body));
    const before = await read();
    // What the tests before sent: a rebuild that also counted the strayed signup kept in
    // dead_letters (read again from chat.room-events) would make it 7.
    expect(before[0]).toMatchObject({ messages: 7, users: 6 });

    // Stop the service (its database stays), rebuild, start it again on the same database.
    const first = service;
    await first.app.close();
    await rebuildEventLog(first.config, createLogger(first.config));
    const client = new Client({ connectionString: first.database.url });
    await client.connect();
    const emptied = await client.query(
      `SELECT (SELECT count(*) FROM "logs"."events")::int AS "events",
              (SELECT sum("value") FROM "logs"."totals")::int AS "totals"`,
    );
    await client.end();
    expect(emptied.rows).toEqual([{ events: 0, totals: 0 }]);
    service = await startTestService(logConsumerService, {
      ...settings,
      DATABASE_URL: first.database.url,
    });
    try {
      const after = await eventuallyValue(
        'the stats to catch up',
        read,
        (figures) => JSON.stringify(figures) === JSON.stringify(before),
      );
      expect(after).toEqual(before);
    } finally {
      await first.database.drop();
    }
  });

  it('refuses to rebuild, and empties nothing, when a topic has lost its oldest records', async () => {
    // A log-consumer of its own (topics, group and database), so the others stay whole.
    const own = { ...settings, ...env() };
    const lone = await startTestService(logConsumerService, own);
    try {
      const topic = `${own.KAFKA_TOPIC_PREFIX}${AUTH_USERS_TOPIC.name}`;
      await producer.send({
        topic,
        messages: [userRegistered(), userRegistered()].map((event) => ({
          key: 'one-partition',
          value: JSON.stringify(event),
        })),
      });
      await eventuallyValue(
        'the stats to catch up',
        async () =>
          (await fetch(`${lone.url}/api/stats/summary`, {
            headers: { authorization: `Bearer ${adminToken}` },
          }).then((response) => response.json())) as Record<string, unknown>,
        (figures) => figures['users'] === 2,
      );
      await lone.app.close();

      const admin = lone.app.get(KafkaConnection).kafka.admin();
      await admin.connect();
      try {
        const [written] = (await admin.fetchTopicOffsets(topic)).filter(({ high }) => high === '2');
        if (written === undefined) throw new Error('the two events are not in one partition');
        // What a retention changed by hand does: the oldest record of a partition is gone.
        await admin.deleteTopicRecords({
          topic,
          partitions: [{ partition: written.partition, offset: '1' }],
        });
      } finally {
        await admin.disconnect();
      }
      await expect(rebuildEventLog(lone.config, createLogger(lone.config))).rejects.toThrow(
        /starts at offset 1, not 0/,
      );
      const client = new Client({ connectionString: lone.config.databaseUrl });
      await client.connect();
      const kept = await client.query(`SELECT count(*)::int AS "events" FROM "logs"."events"`);
      await client.end();
      expect(kept.rows).toEqual([{ events: 2 }]);
    } finally {
      await lone.database.drop();
    }
  });
});
