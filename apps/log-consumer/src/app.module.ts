import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  readServiceConfig,
  type ServiceConfig,
  type ServiceDefinition,
} from '@scale-chat/platform';

/** The log-consumer service: the event log and the stats fed from Kafka. */
@Module({})
export class AppModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forService(config)] };
  }
}

export const logConsumerService: ServiceDefinition = {
  service: 'log-consumer',
  readConfig: (env) => readServiceConfig('log-consumer', env),
  rootModule: (config) => AppModule.register(config),
};
