import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { KafkaConnection } from '../kafka';
import { ServiceMetrics } from '../metrics';
import { EventConsumer, type EventConsumerOptions } from './event-consumer';

export interface ServiceConsumerOptions extends Omit<
  EventConsumerOptions,
  'kafka' | 'dataSource' | 'groupId' | 'topicPrefix' | 'logger' | 'metrics' | 'sessionTimeoutMs'
> {
  /** Names the consumer group (`<KAFKA_GROUP_PREFIX>.<name>`) and the logs' component. */
  readonly name: string;
}

/**
 * Makes the service's event consumers (for `KafkaEventsTransport`): each consumes with the
 * group `<KAFKA_GROUP_PREFIX>.<name>` from the topics under `KAFKA_TOPIC_PREFIX`, with the
 * service's Kafka client, database, logger, metrics and session timeout.
 */
@Injectable()
export class ServiceEventConsumers {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly kafka: KafkaConnection,
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
    private readonly metrics: ServiceMetrics,
  ) {}

  create({ name, ...options }: ServiceConsumerOptions): EventConsumer {
    return new EventConsumer({
      ...options,
      kafka: this.kafka.kafka,
      dataSource: this.dataSource,
      groupId: `${this.config.kafkaGroupPrefix}.${name}`,
      topicPrefix: this.config.kafkaTopicPrefix,
      logger: this.logger.logger.child({ component: name }),
      metrics: this.metrics,
      sessionTimeoutMs: this.config.kafkaSessionTimeoutMs,
    });
  }
}
