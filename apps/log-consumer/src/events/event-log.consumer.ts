import { Controller } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { AUTH_USERS_TOPIC, CHAT_ROOM_EVENTS_TOPIC } from '@scale-chat/contracts';
import {
  consumerGroup,
  OnEventBatch,
  ServiceMetrics,
  type KafkaEventContext,
} from '@scale-chat/platform';
import type { Counter } from 'prom-client';
import { appendToEventLog } from './event-log';
import { LOGGED_EVENT_SCHEMAS, loggedEventOf, type LoggedEvent } from './logged-event';

/** The consumer group's name (`<KAFKA_GROUP_PREFIX>.event-log`); the rebuild resets it. */
export const EVENT_LOG_CONSUMER = 'event-log';

/** The topics the log is made from, from their start. */
export const EVENT_LOG_TOPICS = [AUTH_USERS_TOPIC, CHAT_ROOM_EVENTS_TOPIC] as const;

const EVENT_LOG = consumerGroup({
  name: EVENT_LOG_CONSUMER,
  topics: EVENT_LOG_TOPICS,
  fromBeginning: true,
});

/**
 * Feeds the event log and the figures from Kafka, a batch per transaction, counting
 * what it appended (`log_events_total` by type) and the repeats it dropped
 * (`log_events_duplicates_total`).
 */
@Controller()
export class EventLogConsumer {
  private readonly appended: Counter<'type'>;
  private readonly duplicates: Counter;

  constructor(metrics: ServiceMetrics) {
    this.appended = metrics.counter({
      name: 'log_events_total',
      help: 'Events appended to the event log, by type',
      labelNames: ['type'] as const,
    });
    this.duplicates = metrics.counter({
      name: 'log_events_duplicates_total',
      help: 'Events dropped because the log already had them (same event id)',
    });
  }

  @OnEventBatch(EVENT_LOG, { schemas: LOGGED_EVENT_SCHEMAS, item: loggedEventOf })
  async append(
    @Payload() events: readonly LoggedEvent[],
    @Ctx() context: KafkaEventContext,
  ): Promise<void> {
    const fresh = await appendToEventLog(context.manager, events);
    // Counted once committed: a batch rolled back is read again and counted then.
    context.afterCommit(() => {
      for (const event of fresh) this.appended.inc({ type: event.type });
      this.duplicates.inc(events.length - fresh.length);
    });
  }
}
