import { randomUUID } from 'node:crypto';
import { AUTH_USERS_TOPIC, USER_EVENT_TYPES } from '@scale-chat/contracts';
import type { Consumer } from 'kafkajs';
import { Client } from 'pg';
import { api, eventually, newUser, runKafka, startChatCluster, type ChatCluster } from './cluster';

jest.setTimeout(240_000);

interface SeenRecord {
  readonly eventId: string;
  readonly type: string;
  readonly userId: string;
}

/**
 * Issue 4, point 7: auth's outbox relay killed (SIGKILL, a real process) after Kafka has
 * the signup's `user.registered` and before the outbox row is deleted as sent. A trigger
 * installed by the test holds the relay's DELETE, so the kill lands exactly in that
 * window. After the restart the relay publishes the row again: Kafka holds the
 * event twice under one event id, and the log-consumer (deduplicating by event id)
 * counts the signup once.
 */
describe('auth killed between publishing an outbox row and deleting it', () => {
  let cluster: ChatCluster;
  let db: Client;
  let consumer: Consumer;
  const seen: SeenRecord[] = [];

  beforeAll(async () => {
    cluster = await startChatCluster({ gateways: 1, logConsumer: true });
    db = new Client({ connectionString: cluster.databaseUrl });
    await db.connect();
    const kafka = runKafka('relay-crash-test');
    consumer = kafka.consumer({ groupId: `relay-crash-${randomUUID()}`, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({
      topic: `${cluster.topicPrefix}${AUTH_USERS_TOPIC.name}`,
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: ({ message }) => {
        const envelope = JSON.parse(message.value?.toString() ?? '{}') as {
          id: string;
          type: string;
          data: { userId: string };
        };
        seen.push({ eventId: envelope.id, type: envelope.type, userId: envelope.data.userId });
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await db?.end();
    await cluster?.stop();
  });

  /** The user's event still in the outbox (the relay deletes a row once Kafka has it). */
  const outboxRow = async (userId: string) =>
    (
      await db.query<{ event_id: string }>(
        `SELECT "event_id" FROM "auth"."outbox"
          WHERE "topic" = $1 AND "envelope"->'data'->>'userId' = $2`,
        [AUTH_USERS_TOPIC.name, userId],
      )
    ).rows;

  it('publishes the event again after the restart, and the consumer counts it once', async () => {
    await newUser(cluster.auth.url, 'admin');
    // The signup answers at its activation, maybe before the relay has deleted the admin's
    // own user.registered: a trigger installed before that would hold that deletion.
    await eventually('the admin signup events relayed', async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS "n" FROM "auth"."outbox"`,
      );
      return rows[0]?.n === 0;
    });
    // From here on, deleting a user event once sent sleeps until the test ends it.
    await db.query(`
      CREATE FUNCTION "auth"."hold_user_event_deletion"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD."topic" = '${AUTH_USERS_TOPIC.name}' THEN
          PERFORM pg_sleep(600);
        END IF;
        RETURN OLD;
      END $$`);
    await db.query(`
      CREATE TRIGGER "hold_user_event_deletion" BEFORE DELETE ON "auth"."outbox"
        FOR EACH ROW EXECUTE FUNCTION "auth"."hold_user_event_deletion"()`);

    const signup = await api<{ id: string }>(cluster.auth.url, 'POST', '/api/auth/signup', {
      body: { username: 'relaykill', password: 'correct horse battery staple' },
    });
    expect(signup.status).toBe(201);
    const userId = signup.body.id;
    const registered = () =>
      seen.filter(
        (record) => record.type === USER_EVENT_TYPES.registered && record.userId === userId,
      );

    await eventually('Kafka has the user.registered record', () => registered().length === 1);
    // Kill only once the relay's deletion is held in the trigger: a deletion still on its way
    // when the backends are ended below would start after that and hold the row (and the
    // DROP TRIGGER behind it) for the trigger's ten minutes.
    await eventually('the relay is held deleting the row it sent', async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS "n" FROM pg_stat_activity
          WHERE "datname" = current_database() AND "wait_event" = 'PgSleep'
            AND "query" LIKE 'DELETE FROM "outbox"%'`,
      );
      return rows[0]?.n === 1;
    });
    const [row] = await outboxRow(userId);
    expect(row).toEqual({ event_id: registered()[0]?.eventId });

    await cluster.auth.kill('SIGKILL');
    // The killed relay's UPDATE still sleeps in its backend: end it, and the hold with it.
    await db.query(
      `SELECT pg_terminate_backend("pid") FROM pg_stat_activity
        WHERE "datname" = current_database() AND "query" LIKE 'DELETE FROM "outbox"%'`,
    );
    await db.query(`DROP TRIGGER "hold_user_event_deletion" ON "auth"."outbox"`);
    expect(await outboxRow(userId)).toEqual([{ event_id: row?.event_id }]);

    await cluster.auth.start();
    await eventually(
      'the restarted relay published the row again',
      () => registered().length === 2,
    );
    const ids = registered().map((record) => record.eventId);
    process.stdout.write(
      `user.registered records in Kafka for the signup: ${ids.length}, distinct event ids: ${new Set(ids).size}\n`,
    );
    expect(new Set(ids)).toEqual(new Set([row?.event_id]));
    await eventually(
      'the row is deleted once sent',
      async () => (await outboxRow(userId)).length === 0,
    );

    // The consumer saw both copies and counted the signup once (admin + relaykill = 2).
    const login = await api<{ accessToken: string }>(cluster.auth.url, 'POST', '/api/auth/login', {
      body: { username: 'admin', password: 'correct horse battery staple' },
    });
    const logUrl = cluster.logConsumer?.url ?? '';
    const summary = async () =>
      (await api(logUrl, 'GET', '/api/stats/summary', { token: login.body.accessToken })).body;
    await eventually('the log-consumer dropped the second copy', async () => {
      const metrics = await (await fetch(`${logUrl}/metrics`)).text();
      return /^log_events_duplicates_total\{[^}]*\} 1$/m.test(metrics);
    });
    expect(await summary()).toMatchObject({ users: 2, signupsToday: 2 });
  });
});
