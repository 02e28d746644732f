import { Injectable } from '@nestjs/common';
import { AUTH_USERS_TOPIC, CHAT_ROOM_EVENTS_TOPIC } from '@scale-chat/contracts';
import {
  ServiceEventConsumers,
  ServiceMetrics,
  type BatchEventHandler,
} from '@scale-chat/platform';
import { appendToEventLog } from './event-log';
import { LOGGED_EVENT_TYPES, loggedEventOf, type LoggedEvent } from './logged-event';

/** The consumer group's name (`<KAFKA_GROUP_PREFIX>.event-log`); the rebuild resets it. */
export const EVENT_LOG_CONSUMER = 'event-log';

/** The topics the log is made from, from their start. */
export const EVENT_LOG_TOPICS = [AUTH_USERS_TOPIC, CHAT_ROOM_EVENTS_TOPIC] as const;

/**
 * Feeds the event log and the figures from Kafka, a batch per transaction, counting
 * what it appended (`log_events_total` by type) and the repeats it dropped
 * (`log_events_duplicates_total`).
 */
@Injectable()
export class EventLogConsumer {
  constructor(consumers: ServiceEventConsumers, metrics: ServiceMetrics) {
    const appended = metrics.counter({
      name: 'log_events_total',
      help: 'Events appended to the event log, by type',
      labelNames: ['type'] as const,
    });
    const duplicates = metrics.counter({
      name: 'log_events_duplicates_total',
      help: 'Events dropped because the log already had them (same event id)',
    });
    const handler: BatchEventHandler<LoggedEvent> = {
      types: LOGGED_EVENT_TYPES,
      parse: loggedEventOf,
      handleBatch: async (events, manager) => {
        const fresh = await appendToEventLog(manager, events);
        for (const event of fresh) appended.inc({ type: event.type });
        duplicates.inc(events.length - fresh.length);
      },
    };
    consumers.register({
      name: EVENT_LOG_CONSUMER,
      topics: EVENT_LOG_TOPICS,
      fromBeginning: true,
      batch: handler,
    });
  }
}
