import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SERVICE_CONFIG, type ServiceConfig } from './config';
import { databaseModule, type DatabaseOptions } from './database';
import { HealthController, HealthRegistry, KafkaHealthIndicator } from './health';
import { KafkaConnection } from './kafka';
import { loggerModule } from './logging';

/**
 * Everything a service of this system stands on, registered once: its configuration,
 * the logger, its database schema (migrated at start), Kafka, and `GET /health`.
 */
@Module({})
export class PlatformModule {
  static forService(config: ServiceConfig, database: DatabaseOptions = {}): DynamicModule {
    return {
      module: PlatformModule,
      global: true,
      imports: [
        loggerModule(config),
        databaseModule(config, database),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        KafkaConnection,
        KafkaHealthIndicator,
        HealthRegistry,
      ],
      exports: [SERVICE_CONFIG, KafkaConnection, HealthRegistry],
    };
  }
}
