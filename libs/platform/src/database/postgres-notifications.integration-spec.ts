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
    setTimeout(() => {
      flag = true;
      void notify('the-key');
    }, 200);
    const answer = await notifications.until('probe_changes', 'the-key', 10_000, read, 10_000);
    expect(answer).toBe('changed');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('ignores other keys, looks again on its own, and gives up at the timeout', async () => {
    setTimeout(() => void notify('another-key'), 100);
    const started = Date.now();
    expect(await notifications.until('probe_changes', 'the-key', 700, read, 300)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);

    setTimeout(() => {
      flag = true; // changed without a notification: the next look finds it
    }, 100);
    expect(await notifications.until('probe_changes', 'the-key', 5_000, read, 300)).toBe('changed');
  });

  it('listens again after its connection is killed', async () => {
    const [killed] = (await source.query(
      `SELECT pg_terminate_backend("pid") AS "killed" FROM pg_stat_activity
        WHERE "datname" = current_database() AND "query" LIKE 'LISTEN%'`,
    )) as { killed: boolean }[];
    expect(killed).toEqual({ killed: true });
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // it reconnects after 1 s
    const started = Date.now();
    setTimeout(() => {
      flag = true;
      void notify('the-key');
    }, 200);
    expect(await notifications.until('probe_changes', 'the-key', 20_000, read, 20_000)).toBe(
      'changed',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
