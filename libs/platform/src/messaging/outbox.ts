import { randomUUID } from 'node:crypto';
import type { TopicSpec } from '@scale-chat/contracts';
import { EVENT_HEADERS, type EventEnvelope } from '@scale-chat/contracts';
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
