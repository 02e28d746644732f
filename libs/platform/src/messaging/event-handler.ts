import type { EventEnvelope } from '@scale-chat/contracts';
import type { Logger } from 'pino';
import type { EntityManager } from 'typeorm';

/** How one event type is read and acted on. */
export interface EventHandler<T = unknown> {
  readonly type: string;
  /** Returns the typed data, or throws when it is malformed (the event is then skipped). */
  parse(data: unknown): T;
  /** Runs in the transaction that records the event as processed. */
  handle(event: EventEnvelope<T>, manager: EntityManager, context: EventContext): Promise<void>;
}

/** What a handler knows besides the event. */
export interface EventContext {
  readonly correlationId?: string;
  /** The consumer's logger; lines written with it carry the event's correlation id. */
  readonly logger: Logger;
  /**
   * Runs `effect` once the handler's transaction has committed, and never when it rolls
   * back (a retried event would do it twice): counting a metric, say.
   */
  afterCommit(effect: () => void): void;
}

/**
 * Acts on many events in one transaction (a consumer that must keep up with a stream:
 * the stats). It copes with repeats itself, e.g. by an event table's primary key.
 */
export interface BatchEventHandler<T = unknown> {
  /** The event types it takes; records of other types are ignored (`EventConsumer`). */
  readonly types: readonly string[];
  /** The typed item of one event, or a throw when it is malformed (the event is skipped). */
  parse(event: EventEnvelope, topic: string): T;
  /**
   * Runs in one transaction per Kafka batch; a failure retries the events one by one.
   * `afterCommit` as `EventContext.afterCommit`.
   */
  handleBatch(
    items: readonly T[],
    manager: EntityManager,
    afterCommit: (effect: () => void) => void,
  ): Promise<void>;
}

/**
 * Runs what was left for after a commit (see `EventContext.afterCommit`): one that throws
 * is logged with `fields`, and the others still run.
 */
export function runAfterCommit(
  effects: readonly (() => void)[],
  logger: Logger,
  fields: Record<string, unknown> = {},
): void {
  for (const effect of effects) {
    try {
      effect();
    } catch (error) {
      logger.warn({ ...fields, err: error }, 'an after-commit effect failed');
    }
  }
}

/**
 * Types a handler for the consumer's list: what `parse` returns is what `handle` gets,
 * so erasing `T` there is safe.
 */
export function eventHandler<T>(handler: EventHandler<T>): EventHandler {
  return handler as unknown as EventHandler;
}

/**
 * What a handler throws when an event cannot be handled now through no fault of its own
 * (a dependency other than the database is away, say): it is delivered again for as long
 * as that lasts, and never counted toward `maxAttempts` or dead-lettered.
 */
export class RetryLaterError extends Error {
  override readonly name = 'RetryLaterError';
}

/**
 * What a handler throws for an event no retry can help (a saga type this release does
 * not know, say): it is kept in `dead_letters` at once, with why, and the consumer goes
 * on, where another failure is tried `maxAttempts` times first (each after a pause, which
 * holds up this consumer's other partitions led by the same broker too: kafkajs fetches
 * from a broker again only once every batch of its last fetch is done).
 */
export class UnhandleableEventError extends Error {
  override readonly name = 'UnhandleableEventError';
}
