import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The header that carries a request's correlation id in and out of every service. */
export const CORRELATION_HEADER = 'x-correlation-id';

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's correlation id when it is well formed, otherwise a new one: a client
 * cannot inject log lines or huge values through the header.
 */
export function correlationIdFrom(header: string | string[] | undefined): string {
  return wellFormedCorrelationId(Array.isArray(header) ? header[0] : header) ?? randomUUID();
}

/** `value` when it is a well-formed correlation id (a Kafka header, say), else undefined. */
export function wellFormedCorrelationId(value: string | undefined): string | undefined {
  return value !== undefined && CORRELATION_ID.test(value) ? value : undefined;
}

const current = new AsyncLocalStorage<string>();

/**
 * Runs `work` under `id`: log lines written meanwhile carry it, and so do the events it
 * writes to the outbox (and from there the consumers' work and their log lines).
 */
export function withCorrelationId<T>(id: string | undefined, work: () => T): T {
  return id === undefined ? work() : current.run(id, work);
}

/** The correlation id of the work in progress (a request, a consumed event), if any. */
export function currentCorrelationId(): string | undefined {
  return current.getStore();
}

/**
 * Express middleware, first of all: the request's correlation id (the caller's when
 * well formed, else a new one) is settled here, and the request is handled under it.
 */
export function correlateRequest(
  request: IncomingMessage,
  _response: ServerResponse,
  next: () => void,
): void {
  const id = correlationIdFrom(request.headers[CORRELATION_HEADER]);
  request.headers[CORRELATION_HEADER] = id;
  withCorrelationId(id, next);
}
