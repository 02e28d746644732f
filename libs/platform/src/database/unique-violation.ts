import { sqlStateOf } from './transient-error';

/** PostgreSQL's SQLSTATE for a unique constraint that refused a row. */
const UNIQUE_VIOLATION = '23505';

/**
 * True when `error` is PostgreSQL refusing a duplicate (a username taken, a member twice):
 * TypeORM's `QueryFailedError`, or node-postgres' own error as TypeORM's logger gets it.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = sqlStateOf(error) ?? (error as { code?: unknown } | null)?.code;
  return code === UNIQUE_VIOLATION;
}
