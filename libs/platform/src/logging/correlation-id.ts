import { randomUUID } from 'node:crypto';

/** The header that carries a request's correlation id in and out of every service. */
export const CORRELATION_HEADER = 'x-correlation-id';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's correlation id when it is well formed, otherwise a new one: a client
 * cannot inject log lines or huge values through the header.
 */
export function correlationIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && CORRELATION_ID.test(value) ? value : randomUUID();
}
