import { sqlStateOf } from './transient-error';

/** PostgreSQL's SQLSTATE for a unique constraint that refused a row. */
const UNIQUE_VIOLATION = '23505';

/** True when `error` is PostgreSQL refusing a duplicate (a username taken, a member twice). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlStateOf(error) === UNIQUE_VIOLATION;
}
