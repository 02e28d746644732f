import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { dataSourceOptions } from './data-source-options';
import { PostgresNotifications } from './postgres-notifications';

jest.setTimeout(30_000);

describe('PostgresNotifications', () => {
  let database: TestDatabase;
  let source: DataSource;
  let notifications: PostgresNotifications;
  let flag = false;

  const notify = (key: string) => source.query(`SELECT pg_notify('probe_changes', $1)`, [key]);
  /**
   * In `ms`, sets the flag when `change` is true and notifies `key`. Awaited before a test
   * ends: the listener may hear the notification before the notifying query has returned,
   * and a query still running when the data source closes fails.
   */
  const notifyLater = (key: string, ms: number, change: boolean) =>
    new Promise<unknown>((resolve, reject) =>
      setTimeout(() => {
        if (change) flag = true;
        notify(key).then(resolve, reject);
      }, ms),
    );
  const read = () => Promise.resolve(flag ? 'changed' : undefined);

  beforeAll(async () => {
    database = await createTestDatabase();
    source = await new DataSource(
      dataSourceOptions({
        databaseUrl: database.url,
        databaseSchema: 'public',
        databasePoolSize: 3,
        instanceId: 'notifications-probe',
      }),
    ).initialize();
    notifications = new PostgresNotifications(
      source,
      new PinoLogger({ pinoHttp: { level: 'silent' } }),
    );
    notifications.listenTo('probe_changes');
    await notifications.onApplicationBootstrap();
  });

  afterAll(async () => {
    await notifications.beforeApplicationShutdown();
    await source.destroy();
    await database.drop();
  });

  beforeEach(() => {
    flag = false;
  });

  it('reads again as soon as its key is notified, not at the next look', async () => {
    const started = Date.now();
    const notified = notifyLater('the-key', 200, true);
    const answer = await notifications.until('probe_changes', 'the-key', 10_000, read, 10_000);
    expect(answer).toBe('changed');
    expect(Date.now() - started).toBeLessThan(2_000);
    await notified;
  });

  it('leaves no wait behind once it has its answer', async () => {
    const timers = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const before = timers();
    flag = true;
    expect(await notifications.until('probe_changes', 'the-key', 60_000, read, 60_000)).toBe(
      'changed',
    );
    // A timer left running would hold the process (and its waiter) for a minute.
    expect(timers()).toBe(before);
  });

  it('ignores other keys, looks again on its own, and gives up at the timeout', async () => {
    const notified = notifyLater('another-key', 100, false);
    const started = Date.now();
    expect(await notifications.until('probe_changes', 'the-key', 700, read, 300)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    await notified;

    setTimeout(() => {
      flag = true; // changed without a notification: the next look finds it
    }, 100);
    expect(await notifications.until('probe_changes', 'the-key', 5_000, read, 300)).toBe('changed');
  });

  it('listens again after its connection is killed', async () => {
    const listeners = () =>
      source.query(
        `SELECT "pid" FROM pg_stat_activity
          WHERE "datname" = current_database() AND "query" LIKE 'LISTEN%'`,
      ) as Promise<{ pid: number }[]>;
    const [listener] = await listeners();
    if (listener === undefined) throw new Error('nothing listens');
    const [killed] = (await source.query('SELECT pg_terminate_backend($1) AS "killed"', [
      listener.pid,
    ])) as { killed: boolean }[];
    expect(killed).toEqual({ killed: true });
    // It listens again after a second, on a connection of its own: wait for that backend
    // rather than a fixed time, which a busy machine can overrun.
    const deadline = Date.now() + 15_000;
    while (!(await listeners()).some(({ pid }) => pid !== listener.pid)) {
      if (Date.now() > deadline) throw new Error('the listener did not come back');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const started = Date.now();
    const notified = notifyLater('the-key', 200, true);
    expect(await notifications.until('probe_changes', 'the-key', 20_000, read, 20_000)).toBe(
      'changed',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    await notified;
  });
});
