import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { dataSourceOptions } from './data-source-options';
import { PostgresNotifications } from './postgres-notifications';

jest.setTimeout(30_000);

/**
 * How long a waiter here goes before it looks again on its own: an answer within half of
 * it came from a notification, with ample room for a busy machine.
 */
const LOOK_AGAIN_MS = 20_000;

describe('PostgresNotifications', () => {
  let database: TestDatabase;
  let source: DataSource;
  let notifications: PostgresNotifications;
  let flag = false;
  /** What the notifications logged (warnings and worse), parsed. */
  const logged: { msg: string; err?: { code?: string } }[] = [];
  /** Notifications sent, awaited before a test ends: a query still running fails the close. */
  const sent: Promise<unknown>[] = [];

  const notify = (key: string) => source.query(`SELECT pg_notify('probe_changes', $1)`, [key]);
  const read = () => Promise.resolve(flag ? 'changed' : undefined);
  /**
   * A read that finds nothing the first time and then changes the flag, notifying `key`
   * if given: only a notification, or a look again of the waiter's own, can find it.
   */
  const changedAfterFirstLook = (key?: string) => {
    let looks = 0;
    return () => {
      looks += 1;
      if (looks > 1) return read();
      flag = true;
      if (key !== undefined) sent.push(notify(key));
      return Promise.resolve(undefined);
    };
  };

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
      new PinoLogger({
        pinoHttp: [
          { level: 'warn' },
          { write: (line: string) => logged.push(JSON.parse(line) as (typeof logged)[number]) },
        ],
      }),
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
    logged.splice(0);
  });

  afterEach(async () => {
    await Promise.all(sent.splice(0));
  });

  it('reads again as soon as its key is notified, not at the next look', async () => {
    const started = Date.now();
    const answer = await notifications.until(
      'probe_changes',
      'the-key',
      LOOK_AGAIN_MS,
      changedAfterFirstLook('the-key'),
      LOOK_AGAIN_MS,
    );
    expect(answer).toBe('changed');
    // Its own look again would have come only after LOOK_AGAIN_MS.
    expect(Date.now() - started).toBeLessThan(LOOK_AGAIN_MS / 2);
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
    let reads = 0;
    const waiting = notifications.until(
      'probe_changes',
      'the-key',
      LOOK_AGAIN_MS,
      () => {
        reads += 1;
        return read();
      },
      LOOK_AGAIN_MS,
    );
    // Notifications of one transaction arrive in order: once a waiter on the sentinel has
    // woken, the other key's notification was heard, and would have woken this one first.
    let sentinelLooks = 0;
    const sentinel = notifications.until(
      'probe_changes',
      'sentinel',
      LOOK_AGAIN_MS,
      () => Promise.resolve((sentinelLooks += 1) > 1 ? 'woken' : undefined),
      LOOK_AGAIN_MS,
    );
    await source.query(
      `SELECT pg_notify('probe_changes', 'another-key'), pg_notify('probe_changes', 'sentinel')`,
    );
    expect(await sentinel).toBe('woken');
    expect(reads).toBe(1);
    flag = true;
    await notify('the-key');
    expect(await waiting).toBe('changed');
    expect(reads).toBe(2);

    // Changed without a notification: only a look again of its own finds it.
    flag = false;
    const looking = Date.now();
    expect(
      await notifications.until(
        'probe_changes',
        'the-key',
        LOOK_AGAIN_MS,
        changedAfterFirstLook(),
        300,
      ),
    ).toBe('changed');
    // Not at the timeout, where it reads a last time.
    expect(Date.now() - looking).toBeLessThan(LOOK_AGAIN_MS / 2);

    flag = false;
    const started = Date.now();
    expect(await notifications.until('probe_changes', 'the-key', 700, read, 300)).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
  });

  it('takes a read the database could not answer (its connection ended, 57P01) for no answer yet, and warns once', async () => {
    let looks = 0;
    const answer = await notifications.until(
      'probe_changes',
      'the-key',
      LOOK_AGAIN_MS,
      async () => {
        looks += 1;
        // The first two looks end their own connection, as a database restart does.
        if (looks <= 2) await source.query('SELECT pg_terminate_backend(pg_backend_pid())');
        const [row] = (await source.query(`SELECT 'changed' AS "status"`)) as { status: string }[];
        return row?.status;
      },
      100,
    );
    expect(answer).toBe('changed');
    expect(looks).toBeGreaterThanOrEqual(3);
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'the database cannot answer now; looking again until the wait is over',
        err: expect.objectContaining({ code: '57P01' }) as unknown,
      }),
    ]);

    // Any other failure is the caller's to answer, at once.
    const failure = new Error('not a database error');
    await expect(
      notifications.until('probe_changes', 'the-key', LOOK_AGAIN_MS, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
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
    expect(
      await notifications.until(
        'probe_changes',
        'the-key',
        LOOK_AGAIN_MS,
        changedAfterFirstLook('the-key'),
        LOOK_AGAIN_MS,
      ),
    ).toBe('changed');
    expect(Date.now() - started).toBeLessThan(LOOK_AGAIN_MS / 2);
  }, 60_000);
});
