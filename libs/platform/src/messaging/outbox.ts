import { randomUUID } from 'node:crypto';
import {
  EVENT_HEADERS,
  SAGA_EVENT_TYPES,
  SAGA_REQUESTS_TOPIC,
  type EventEnvelope,
  type SagaPayloads,
  type SagaStartRequest,
  type SagaType,
  type TopicSpec,
} from '@scale-chat/contracts';
import type { EntityManager } from 'typeorm';
import { currentCorrelationId } from '../logging';

export interface OutgoingEvent<T> {
  readonly topic: TopicSpec;
  /** The aggregate id the record is keyed by (per-aggregate order). */
  readonly key: string;
  readonly type: string;
  readonly data: T;
  /** Default: the correlation id of the work in progress (`withCorrelationId`). */
  readonly correlationId?: string;
}

/**
 * Writes an event into the outbox with `manager`, the caller's transaction: it reaches
 * Kafka if and only if the change it reports is committed.
 */
export async function enqueueEvent<T>(
  manager: EntityManager,
  event: OutgoingEvent<T>,
): Promise<EventEnvelope<T>> {
  const [envelope] = await enqueueEvents(manager, [event]);
  return envelope as EventEnvelope<T>;
}

/**
 * Writes several events into the outbox in one statement (one round trip, and one wake-up
 * of the relay), in the given order, in the caller's transaction.
 */
export async function enqueueEvents<T>(
  manager: EntityManager,
  events: readonly OutgoingEvent<T>[],
): Promise<EventEnvelope<T>[]> {
  if (events.length === 0) return [];
  const occurredAt = new Date().toISOString();
  const envelopes = events.map((event): EventEnvelope<T> => ({
    id: randomUUID(),
    type: event.type,
    occurredAt,
    data: event.data,
  }));
  const headers = events.map((event) =>
    outboxHeaders(event.correlationId ?? currentCorrelationId()),
  );
  // Rows take their "position" (the order the relay publishes in) in the order given.
  await manager.query(
    `INSERT INTO "outbox" ("event_id", "topic", "key", "envelope", "headers")
     SELECT e.event_id, e.topic, e.key, e.envelope::jsonb, e.headers::jsonb
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
            WITH ORDINALITY AS e(event_id, topic, key, envelope, headers, n)
      ORDER BY e.n`,
    [
      envelopes.map((envelope) => envelope.id),
      events.map((event) => event.topic.name),
      events.map((event) => event.key),
      envelopes.map((envelope) => JSON.stringify(envelope)),
      headers,
    ],
  );
  return envelopes;
}

/** An outbox row's `headers` as JSON text: the event's correlation id, if it has one. */
export function outboxHeaders(correlationId: string | undefined): string {
  return JSON.stringify(
    correlationId === undefined ? {} : { [EVENT_HEADERS.correlationId]: correlationId },
  );
}

/**
 * Asks the orchestrator to run a saga of `sagaType`, in the caller's transaction: the
 * request leaves only if the change that needs the saga commits. Keyed by the new saga's
 * id, and carrying the work's correlation id; resolves with that id.
 */
export async function requestSaga<T extends SagaType>(
  manager: EntityManager,
  sagaType: T,
  payload: SagaPayloads[T],
): Promise<string> {
  const sagaId = randomUUID();
  await enqueueEvent<SagaStartRequest>(manager, {
    topic: SAGA_REQUESTS_TOPIC,
    key: sagaId,
    type: SAGA_EVENT_TYPES.start,
    data: { sagaId, sagaType, payload: { ...payload } },
  });
  return sagaId;
}
