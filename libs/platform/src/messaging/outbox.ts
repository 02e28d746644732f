import { randomUUID } from 'node:crypto';
import {
  EVENT_HEADERS,
  SAGA_EVENT_TYPES,
  SAGA_REQUESTS_TOPIC,
  type EventEnvelope,
  type SagaStartRequest,
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
  const envelope: EventEnvelope<T> = {
    id: randomUUID(),
    type: event.type,
    occurredAt: new Date().toISOString(),
    data: event.data,
  };
  const correlationId = event.correlationId ?? currentCorrelationId();
  const headers =
    correlationId === undefined ? {} : { [EVENT_HEADERS.correlationId]: correlationId };
  await manager.query(
    `INSERT INTO "outbox" ("event_id", "topic", "key", "envelope", "headers") VALUES ($1, $2, $3, $4, $5)`,
    [envelope.id, event.topic.name, event.key, JSON.stringify(envelope), JSON.stringify(headers)],
  );
  return envelope;
}

/**
 * Asks the orchestrator to run a saga of `sagaType`, in the caller's transaction: the
 * request leaves only if the change that needs the saga commits. Keyed by the new saga's
 * id, and carrying the work's correlation id; resolves with that id.
 */
export async function requestSaga(
  manager: EntityManager,
  sagaType: string,
  payload: SagaStartRequest['payload'],
): Promise<string> {
  const sagaId = randomUUID();
  await enqueueEvent<SagaStartRequest>(manager, {
    topic: SAGA_REQUESTS_TOPIC,
    key: sagaId,
    type: SAGA_EVENT_TYPES.start,
    data: { sagaId, sagaType, payload },
  });
  return sagaId;
}
