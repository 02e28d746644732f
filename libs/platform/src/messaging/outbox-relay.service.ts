import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { prefixedTopic, type TopicSpec } from '@scale-chat/contracts';
import { ensureTopics, KafkaConnection } from '../kafka';
import { OutboxRelay, type RelayedEvent } from './outbox-relay';
import { ServiceMetrics } from '../metrics';
import type { Counter, Gauge, Histogram } from 'prom-client';

/** The topics a service writes to; its relay creates the missing ones before publishing. */
export const PUBLISHED_TOPICS = Symbol('PUBLISHED_TOPICS');

/** Runs the service's outbox relay from start-up to shutdown. */
@Injectable()
export class OutboxRelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private relay: OutboxRelay | undefined;
  private readonly published: Counter;
  private readonly batchSize: Histogram;
  private readonly alongside: ((events: readonly RelayedEvent[]) => Promise<void>)[] = [];

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly dataSource: DataSource,
    private readonly kafka: KafkaConnection,
    private readonly logger: PinoLogger,
    @Inject(PUBLISHED_TOPICS) private readonly topics: readonly TopicSpec[],
    metrics: ServiceMetrics,
  ) {
    metrics.gauge({
      name: 'outbox_backlog',
      help: 'Outbox events not yet published to Kafka',
      collect: async function (this: Gauge) {
        const [row] = (await dataSource.query(
          `SELECT count(*) AS "backlog" FROM "outbox" WHERE "published_at" IS NULL`,
        )) as { backlog: string }[];
        this.set(Number(row?.backlog ?? 0));
      },
    });
    this.published = metrics.counter({
      name: 'outbox_published_total',
      help: 'Outbox events published to Kafka (a repeat after a crash counts again)',
    });
    this.batchSize = metrics.histogram({
      name: 'outbox_relay_batch_size',
      help: 'Outbox events the relay published together in one batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500],
    });
  }

  /**
   * Has `handler` run with every batch the relay publishes, before its rows count as
   * published (see `OutboxRelayOptions.alongside`). Register in `onModuleInit`: the relay
   * starts at bootstrap.
   */
  relayAlongside(handler: (events: readonly RelayedEvent[]) => Promise<void>): void {
    if (this.relay !== undefined) throw new Error('the outbox relay has started already');
    this.alongside.push(handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.relay = new OutboxRelay({
      dataSource: this.dataSource,
      producer: await this.kafka.connectedProducer(),
      schema: this.config.databaseSchema,
      logger: this.logger.logger.child({ component: 'outbox-relay' }),
      topicPrefix: this.config.kafkaTopicPrefix,
      onPublished: (count) => {
        this.published.inc(count);
        this.batchSize.observe(count);
      },
      // Only a service that registered a handler (the chat gateway) waits on one per batch.
      ...(this.alongside.length === 0
        ? {}
        : {
            alongside: async (events: readonly RelayedEvent[]) => {
              await Promise.all(this.alongside.map((handler) => handler(events)));
            },
          }),
      prepare: async () =>
        ensureTopics(
          await this.kafka.connectedAdmin(),
          this.topics.map((topic) => prefixedTopic(topic, this.config.kafkaTopicPrefix)),
          this.logger.logger,
        ),
    });
    this.relay.start();
  }

  /** Before the database and Kafka connections close (they do on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
