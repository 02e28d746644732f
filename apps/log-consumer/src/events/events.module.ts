import { Module } from '@nestjs/common';
import { EventLogConsumer } from './event-log.consumer';
import { EventLogRepository } from './event-log.repository';
import { WordCountsRetention } from './word-counts-retention';

/** The event log: every event of the topics it reads, and the figures they count. */
@Module({
  // A Kafka handler (`@OnEventBatch`), not routes.
  controllers: [EventLogConsumer],
  providers: [EventLogRepository, WordCountsRetention],
})
export class EventsModule {}
