/**
 * Every domain event on Kafka travels in this envelope (JSON value; key = the aggregate
 * id of its topic). `id` is unique per event: consumers record it and act once.
 */
export interface EventEnvelope<T = unknown> {
  readonly id: string;
  /** `<aggregate>.<past-tense verb>`, e.g. `user.registered`. */
  readonly type: string;
  readonly occurredAt: string;
  readonly data: T;
}

/** Kafka headers every event carries besides its value. */
export const EVENT_HEADERS = {
  id: 'event-id',
  type: 'event-type',
  correlationId: 'correlation-id',
} as const;
