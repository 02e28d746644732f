import type { DataSource } from 'typeorm';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Creates the service's schema and runs its pending migrations while holding a
 * PostgreSQL advisory lock, so several instances of one service can start at once and
 * exactly one of them migrates.
 */
export async function migrateUnderLock(dataSource: DataSource, schema: string): Promise<void> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`Schema name "${schema}" is not a plain lower-case identifier`);
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
