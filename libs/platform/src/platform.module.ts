import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SERVICE_CONFIG, type ServiceConfig } from './config';
import { databaseModule, PostgresNotifications, type DatabaseOptions } from './database';
import { HealthController, HealthRegistry, KafkaHealthIndicator } from './health';
import { SharedRateLimits } from './http/shared-rate-limits';
import { KafkaConnection } from './kafka';
import { loggerModule } from './logging';
import { MetricsController, ServiceMetrics } from './metrics';
import { OutboxRelayService, PUBLISHED_TOPICS } from './messaging/outbox-relay.service';
import { KafkaEventsTransport } from './messaging/kafka-events.transport';
import { ServiceEventConsumers } from './messaging/service-event-consumers';
import type { TopicSpec } from '@scale-chat/contracts';

export interface PlatformOptions extends DatabaseOptions {
  /**
   * The topics the service writes events to through its outbox: with any, the relay
   * runs, and creates the missing ones first.
   */
  readonly publishes?: readonly TopicSpec[];
}

/**
 * Everything a service of this system stands on, registered once: its configuration,
 * the logger, its database schema (migrated at start, with the outbox and
 * processed-messages tables), Kafka, `GET /health`, `GET /metrics`, and, for a service that publishes
 * events, the outbox relay.
 */
@Module({})
export class PlatformModule {
  static forService(config: ServiceConfig, options: PlatformOptions = {}): DynamicModule {
    const publishes = options.publishes !== undefined && options.publishes.length > 0;
    return {
      module: PlatformModule,
      global: true,
      imports: [
        loggerModule(config),
        databaseModule(config, options),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: ServiceMetrics, useValue: new ServiceMetrics(config) },
        KafkaConnection,
        KafkaHealthIndicator,
        HealthRegistry,
        ServiceEventConsumers,
        {
          provide: KafkaEventsTransport,
          inject: [ServiceEventConsumers, HealthRegistry],
          useFactory: (consumers: ServiceEventConsumers, health: HealthRegistry) => {
            const transport = new KafkaEventsTransport(consumers);
            health.register(() => Promise.resolve(transport.health()));
            return transport;
          },
        },
        PostgresNotifications,
        SharedRateLimits,
        ...(publishes
          ? [{ provide: PUBLISHED_TOPICS, useValue: options.publishes }, OutboxRelayService]
          : []),
      ],
      exports: [
        SERVICE_CONFIG,
        ServiceMetrics,
        KafkaConnection,
        HealthRegistry,
        KafkaEventsTransport,
        PostgresNotifications,
        SharedRateLimits,
        ...(publishes ? [OutboxRelayService] : []),
      ],
    };
  }
}
