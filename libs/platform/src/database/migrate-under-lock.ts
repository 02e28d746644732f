import type { DataSource } from 'typeorm';
import { outboxChannel } from '../messaging/outbox-relay';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
/**
 * Every schema gets an outbox whose trigger notifies `outbox.<schema>`, and PostgreSQL
 * refuses a channel name past 63 bytes (on every insert, so at the first event).
 */
const MAX_SCHEMA_NAME = 63 - outboxChannel('').length;

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
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
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
