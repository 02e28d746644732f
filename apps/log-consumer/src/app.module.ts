import { Module, type DynamicModule } from '@nestjs/common';
import {
  CreateRevokedLogins1764200000000,
  JwksAuthenticationModule,
  PlatformModule,
  RevokedLogin,
  RevokedLoginsController,
  setUpOpenApi,
  type ServiceDefinition,
} from '@scale-chat/platform';
import { EventsModule } from './events/events.module';
import { CreateEventLog1765000000000 } from './events/migrations/1765000000000-create-event-log';
import { CreateMessageWords1766000000000 } from './events/migrations/1766000000000-create-message-words';
import { MessageWordsByMinute1768500000000 } from './events/migrations/1768500000000-message-words-by-minute';
import { readLogConfig, type LogConfig } from './log-config';
import { StatsModule } from './stats/stats.module';

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
            MessageWordsByMinute1768500000000,
          ],
        }),
        EventsModule,
        JwksAuthenticationModule.register(config),
        StatsModule,
      ],
      // A Kafka handler (`@OnEvent`): the revoked logins the stats' guard checks.
      controllers: [RevokedLoginsController],
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
