import {
  EVENT_HEADERS,
  isUuid,
  prefixedTopic,
  type EventEnvelope,
  type TopicSpec,
} from '@scale-chat/contracts';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { ensureTopics } from '../kafka/ensure-topics';

/** How one event type is read and acted on. */
export interface EventHandler<T = unknown> {
  readonly type: string;
  /** Returns the typed data, or throws when it is malformed (the event is then skipped). */
  parse(data: unknown): T;
  /** Runs in the transaction that records the event as processed. */
  handle(
    event: EventEnvelope<T>,
    manager: EntityManager,
    context: { correlationId?: string },
  ): Promise<void>;
}

/**
 * Types a handler for the consumer's list: what `parse` returns is what `handle` gets,
 * so erasing `T` there is safe.
 */
export function eventHandler<T>(handler: EventHandler<T>): EventHandler {
  return handler as unknown as EventHandler;
}

export interface EventConsumerOptions {
  readonly kafka: Kafka;
  readonly dataSource: DataSource;
  /** The consumer group, and the name under which processed events are recorded. */
  readonly groupId: string;
  readonly topics: readonly TopicSpec[];
  readonly handlers: readonly EventHandler[];
  readonly logger: Logger;
  readonly fromBeginning?: boolean;
  /** Attempts at a failing handler before the event is logged and skipped. */
  readonly maxAttempts?: number;
  /** `KAFKA_TOPIC_PREFIX`, put before every topic's declared name. */
  readonly topicPrefix?: string;
  /**
   * `database` (the default): each event id is recorded in `processed_messages` in the
   * handler's transaction, so a repeat changes nothing. `handler`: the handler copes with
   * repeats itself (live fan-out that drops what it already sent) and runs outside any
   * transaction, with the data source's manager.
   */
  readonly dedupe?: 'database' | 'handler';
}

export interface EventConsumerStats {
  processed: number;
  duplicates: number;
  malformed: number;
  ignored: number;
  failed: number;
}

/** The envelope of a record, or a reason it is not one. */
export function parseEnvelope(value: Buffer | null): EventEnvelope | string {
  if (value === null) return 'empty record';
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'not an object';
  const { id, type, occurredAt, data } = parsed as Record<string, unknown>;
  if (!isUuid(id)) return 'id is not a UUID';
  if (typeof type !== 'string' || type.length === 0 || type.length > 100) return 'type is missing';
  if (typeof occurredAt !== 'string' || Number.isNaN(Date.parse(occurredAt)))
    return 'occurredAt is not a time';
  if (data === undefined) return 'data is missing';
  return { id, type, occurredAt, data };
}

/**
 * Consumes events and acts on each once: the event id is recorded in
 * `processed_messages` in the same transaction as the handler's changes, so a repeat
 * (a relay that published twice, a rebalance) changes nothing. Malformed records and
 * records of other types are skipped, counted and logged; the consumer goes on.
 */
export class EventConsumer {
  readonly stats: EventConsumerStats = {
    processed: 0,
    duplicates: 0,
    malformed: 0,
    ignored: 0,
    failed: 0,
  };
  private readonly consumer: Consumer;
  private readonly handlers: Map<string, EventHandler>;
  private readonly attempts = new Map<string, number>();

  constructor(private readonly options: EventConsumerOptions) {
    // A short fetch wait keeps shutdown quick: disconnect waits for the fetch in flight.
    this.consumer = options.kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 500 });
    this.handlers = new Map(options.handlers.map((handler) => [handler.type, handler]));
  }

  /**
   * Creates the declared topics that are missing, then resolves once the consumer has
   * joined its group and been given its partitions.
   */
  async start(): Promise<void> {
    const topics = this.options.topics.map((topic) =>
      prefixedTopic(topic, this.options.topicPrefix ?? ''),
    );
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topics);
    } finally {
      await admin.disconnect();
    }
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: topics.map((topic) => topic.name),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    const joined = new Promise<void>((resolve) => {
      const stopListening = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        stopListening();
        resolve();
      });
    });
    await this.consumer.run({ eachMessage: ({ message }) => this.process(message) });
    await joined;
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }

  private async process(message: KafkaMessage): Promise<void> {
    const envelope = parseEnvelope(message.value);
    if (typeof envelope === 'string') {
      this.skip('malformed', { offset: message.offset, reason: envelope });
      return;
    }
    const handler = this.handlers.get(envelope.type);
    if (handler === undefined) {
      this.stats.ignored += 1;
      return;
    }
    let data: unknown;
    try {
      data = handler.parse(envelope.data);
    } catch (error) {
      this.skip('malformed', { eventId: envelope.id, type: envelope.type, reason: String(error) });
      return;
    }
    const correlationId = message.headers?.[EVENT_HEADERS.correlationId]?.toString();
    const context = correlationId === undefined ? {} : { correlationId };
    try {
      if (this.options.dedupe === 'handler') {
        await handler.handle({ ...envelope, data }, this.options.dataSource.manager, context);
        this.stats.processed += 1;
      } else {
        await this.processOnce(envelope.id, (manager) =>
          handler.handle({ ...envelope, data }, manager, context),
        );
      }
      this.attempts.delete(envelope.id);
    } catch (error) {
      const attempts = (this.attempts.get(envelope.id) ?? 0) + 1;
      this.attempts.set(envelope.id, attempts);
      if (attempts < (this.options.maxAttempts ?? 5)) throw error; // kafkajs delivers it again
      this.attempts.delete(envelope.id);
      this.skip('failed', { eventId: envelope.id, type: envelope.type, attempts, err: error });
    }
  }

  /** Runs `handle` in a transaction that records `eventId` as processed, unless it was. */
  private async processOnce(
    eventId: string,
    handle: (manager: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.options.dataSource.transaction(async (manager) => {
      const first = (await manager.query(
        `INSERT INTO "processed_messages" ("consumer", "message_id") VALUES ($1, $2)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [this.options.groupId, eventId],
      )) as unknown[];
      if (first.length === 0) {
        this.stats.duplicates += 1;
        return;
      }
      await handle(manager);
      this.stats.processed += 1;
    });
  }

  private skip(kind: 'malformed' | 'failed', fields: Record<string, unknown>): void {
    this.stats[kind] += 1;
    this.options.logger.error(
      { ...fields, consumer: this.options.groupId },
      `skipped a ${kind} event`,
    );
  }
}
