import { Module, type DynamicModule } from '@nestjs/common';
import {
  AdminGuard,
  CreateRevokedLogins1764200000000,
  jwksAuthenticationProviders,
  PlatformModule,
  RevokedLogin,
  RevokedLoginsController,
  setUpOpenApi,
  type ServiceDefinition,
} from '@scale-chat/platform';
import { CreateEventLog1765000000000 } from './database/1765000000000-create-event-log';
import { CreateMessageWords1766000000000 } from './database/1766000000000-create-message-words';
import { EventLogConsumer } from './events/event-log.consumer';
import { readLogConfig, type LogConfig } from './log-config';
import { StatsController } from './stats/stats.controller';
import { StatsService } from './stats/stats.service';

/** The log-consumer service: the event log and the stats, fed from Kafka only. */
@Module({})
export class AppModule {
  static register(config: LogConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService(config, {
          entities: [RevokedLogin],
          migrations: [
            CreateRevokedLogins1764200000000,
            CreateEventLog1765000000000,
            CreateMessageWords1766000000000,
          ],
        }),
      ],
      // The last two are Kafka handlers (`@OnEvent`), not routes.
      controllers: [StatsController, EventLogConsumer, RevokedLoginsController],
      providers: [...jwksAuthenticationProviders(config), AdminGuard, StatsService],
    };
  }
}

export const logConsumerService: ServiceDefinition<LogConfig> = {
  service: 'log-consumer',
  readConfig: readLogConfig,
  rootModule: (config) => AppModule.register(config),
  configure: (app) =>
    setUpOpenApi(app, {
      title: 'scale-chat stats',
      description: 'Figures fed from Kafka (API.md "Stats"); administrators only.',
      path: 'api/stats/docs',
    }),
};
