import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
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
 * The service's event consumers, declared by the providers that own their handlers
 * (from their constructors): each consumes with the group `<KAFKA_GROUP_PREFIX>.<name>`
 * from the topics under `KAFKA_TOPIC_PREFIX`, starts once the application has booted
 * (resolving when it has joined its group) and stops before shutdown.
 */
@Injectable()
export class ServiceEventConsumers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumers: EventConsumer[] = [];

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly kafka: KafkaConnection,
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
    private readonly metrics: ServiceMetrics,
  ) {}

  register({ name, ...options }: ServiceConsumerOptions): EventConsumer {
    const consumer = new EventConsumer({
      ...options,
      kafka: this.kafka.kafka,
      dataSource: this.dataSource,
      groupId: `${this.config.kafkaGroupPrefix}.${name}`,
      topicPrefix: this.config.kafkaTopicPrefix,
      logger: this.logger.logger.child({ component: name }),
      metrics: this.metrics,
      sessionTimeoutMs: this.config.kafkaSessionTimeoutMs,
    });
    this.consumers.push(consumer);
    return consumer;
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }
}
