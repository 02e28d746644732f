import type { DataSource, QueryRunner } from 'typeorm';
import { outboxChannel } from '../messaging/outbox-relay';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
/**
 * Every schema gets an outbox whose trigger notifies `outbox.<schema>`, and PostgreSQL
 * refuses a channel name past 63 bytes (on every insert, so at the first event).
 */
const MAX_SCHEMA_NAME = 63 - outboxChannel('').length;

/** How often an instance asks again for the lock another instance migrates under. */
const LOCK_RETRY_MS = 200;

async function tryLock(runner: QueryRunner, lockKey: string): Promise<boolean> {
  const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS "locked"', [
    lockKey,
  ])) as { locked: boolean }[];
  return row?.locked === true;
}

/**
 * Creates the service's schema and runs its pending migrations while holding a
 * PostgreSQL advisory lock, so several instances of one service can start at once and
 * exactly one of them migrates.
 */
export async function migrateUnderLock(dataSource: DataSource, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`Schema name "${schema}" is not a plain lower-case identifier`);
  }
  if (schema.length > MAX_SCHEMA_NAME) {
    throw new Error(
      `Schema name "${schema}" is longer than ${MAX_SCHEMA_NAME} characters: its outbox's notification channel would not fit`,
    );
  }
  const lockKey = `migrations:${schema}`;
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Tried again and again rather than waited for in one statement: a statement waiting
    // holds a snapshot, and a migration that builds an index CONCURRENTLY waits for every
    // older snapshot to go, so the lock's holder and its waiters would wait on each other
    // for good (PostgreSQL cannot see it: the holder waits on another connection).
    while (!(await tryLock(runner, lockKey)))
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    try {
      await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    }
  } finally {
    await runner.release();
  }
}
