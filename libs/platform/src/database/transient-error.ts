import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATEs worth another try: conflicts, lock and statement timeouts, lost connections,
 * and a server that takes no writes (25006: a standby, until the connection reaches the
 * new primary after a failover).
 */
const TRANSIENT_SQLSTATE = /^(40001|40P01|55P03|57014|57P0[1-3]|25006|53...|08...)$/;

/**
 * SQLSTATEs that say the work itself is wrong, and will be whenever it is tried: data
 * exceptions (class 22: a value too long, text that is no uuid), integrity constraints
 * (class 23: unique, foreign key, check) and a trigger's RAISE EXCEPTION (P0001).
 */
const REFUSED_FOR_GOOD_SQLSTATE = /^(22...|23...|P0001)$/;

/** Socket errors of a database that is down, restarting or out of reach. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * What node-postgres says when a connection ends or cannot be had in time, or when a
 * statement outlasts `query_timeout` (its own timer: no SQLSTATE, unlike the server's
 * `statement_timeout`, 57014).
 */
const TRANSIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Connection is not established',
];

/** The SQLSTATE of a statement PostgreSQL refused, if that is what `error` is. */
export function sqlStateOf(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * True when PostgreSQL refused the statement for what it does (`REFUSED_FOR_GOOD_SQLSTATE`):
 * trying it again would meet the same refusal. Anything else (a permission, a table or
 * column missing while a deploy is under way, an internal error) may pass.
 */
export function isRefusedForGood(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && REFUSED_FOR_GOOD_SQLSTATE.test(state);
}

/**
 * True when `error` says the database could not do the work now (a conflict, a lost
 * connection, a server restarting) rather than that the work is wrong: trying again
 * later, however often, is right, and giving up would lose it.
 */
export function isTransientDatabaseError(error: unknown): boolean {
  const state = sqlStateOf(error);
  if (state !== undefined) return TRANSIENT_SQLSTATE.test(state);
  if (!isErrorLike(error)) return false;
  // node-postgres' own errors (outside a statement) carry a SQLSTATE or a socket code.
  const code = error.code;
  if (
    typeof code === 'string' &&
    (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATE.test(code))
  )
    return true;
  return TRANSIENT_MESSAGES.some((message) => error.message.includes(message));
}

/**
 * An error of any realm. Not `instanceof Error`: Node's own errors (a refused or reset
 * socket, from `net`) are made in Node's realm, which under Jest is not the test's, so a
 * reset connection once counted as the event's fault in a test (and was dead-lettered).
 */
function isErrorLike(
  error: unknown,
): error is { readonly message: string; readonly code?: unknown } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
