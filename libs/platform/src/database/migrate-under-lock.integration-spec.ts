import { eventually } from '@scale-chat/wait';
import { Client } from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { dataSourceOptions } from './data-source-options';
import { migrateUnderLock } from './migrate-under-lock';

/** An advisory lock the test holds while the instances start: the migration waits on it. */
const GATE = 'migrate-under-lock-probe-gate';

class CreateProbeTable1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Held here until the test has seen the other runners wait: two unlocked ones would
    // both have seen the migration as pending.
    await queryRunner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [GATE]);
    await queryRunner.query('CREATE TABLE "probe"."probe" ("id" integer PRIMARY KEY)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE "probe"."probe"');
  }
}

describe('migrateUnderLock', () => {
  let database: TestDatabase;
  const sources: DataSource[] = [];

  const dataSource = async (instanceId: string): Promise<DataSource> => {
    const options = dataSourceOptions(
      { databaseUrl: database.url, databaseSchema: 'probe', databasePoolSize: 2, instanceId },
      { migrations: [CreateProbeTable1700000000000] },
    );
    const source = await new DataSource(options).initialize();
    sources.push(source);
    return source;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(sources.map((source) => source.destroy()));
    await database.drop();
  });

  it('creates the schema and runs each migration once when instances start together', async () => {
    const instances = await Promise.all([
      dataSource('one'),
      dataSource('two'),
      dataSource('three'),
    ]);
    const gate = new Client({ connectionString: database.url });
    await gate.connect();
    try {
      await gate.query('SELECT pg_advisory_lock(hashtext($1))', [GATE]);
      const migrating = Promise.all(instances.map((source) => migrateUnderLock(source, 'probe')));
      migrating.catch(() => undefined); // awaited below; not unhandled if the wait fails
      // One runner migrates (its migration waits at the gate); the other two ask for the
      // migrations lock again and again meanwhile (pg_try_advisory_lock: they hold nothing).
      await eventually('one runner at the gate and two asking for the lock', async () => {
        const { rows } = await gate.query<{ waiting: number; asking: number }>(
          `SELECT
             (SELECT count(*)::int FROM pg_locks WHERE "locktype" = 'advisory' AND NOT "granted"
                AND "database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())
             ) AS "waiting",
             (SELECT count(*)::int FROM pg_stat_activity WHERE "datname" = current_database()
                AND "query" LIKE 'SELECT pg_try_advisory_lock(%') AS "asking"`,
        );
        return rows[0]?.waiting === 1 && rows[0].asking === 2;
      });
      await gate.query('SELECT pg_advisory_unlock(hashtext($1))', [GATE]);
      await migrating;
    } finally {
      await gate.end();
    }
    const [first] = instances;
    if (first === undefined) throw new Error('no data source');

    const applied: unknown[] = await first.query(
      'SELECT name FROM "probe"."migrations" ORDER BY id',
    );
    // In timestamp order, as TypeORM runs them: the probe's is older than the platform's.
    expect(applied).toEqual([
      { name: 'CreateProbeTable1700000000000' },
      { name: 'CreateMessagingTables1763800000000' },
      { name: 'CreateDeadLetters1766000000000' },
      { name: 'DeadLettersOfNonEvents1767000000000' },
      { name: 'CreateRateLimitWindows1767200000000' },
      { name: 'DeletePublishedOutboxRows1767700000000' },
      { name: 'NotifyOutboxPerSchema1767800000000' },
      { name: 'DeadLetterOncePerRecord1767900000000' },
      { name: 'SagaCommandReplies1768300000000' },
      { name: 'ProcessedMessagesByTopic1768400000000' },
      { name: 'DeadLetterKeysAndHeaders1768800000000' },
    ]);
    const tables: unknown[] = await first.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'probe' ORDER BY 1",
    );
    expect(tables).toEqual([
      { table_name: 'dead_letters' },
      { table_name: 'migrations' },
      { table_name: 'outbox' },
      { table_name: 'probe' },
      { table_name: 'processed_messages' },
      { table_name: 'rate_limit_windows' },
      { table_name: 'saga_command_replies' },
    ]);
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    const source = await dataSource('four');
    await expect(migrateUnderLock(source, 'probe"; DROP SCHEMA public; --')).rejects.toThrow(
      /not a plain lower-case identifier/,
    );
  });

  it('takes a schema name as long as its outbox channel allows, and refuses a longer one', async () => {
    const longest = 'p'.repeat(56);
    const source = await new DataSource(
      dataSourceOptions({
        databaseUrl: database.url,
        databaseSchema: longest,
        databasePoolSize: 2,
        instanceId: 'long',
      }),
    ).initialize();
    sources.push(source);
    await migrateUnderLock(source, longest);
    // The insert's trigger notifies `outbox.<schema>`: 63 bytes, the most PostgreSQL takes.
    await source.query(
      `INSERT INTO "outbox" ("event_id", "topic", "key", "envelope") VALUES (gen_random_uuid(), 't', 'k', '{}')`,
    );
    await expect(migrateUnderLock(source, `${longest}p`)).rejects.toThrow(
      /longer than 56 characters/,
    );
  });
});
