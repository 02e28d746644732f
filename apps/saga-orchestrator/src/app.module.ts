import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  readServiceConfig,
  type ServiceConfig,
  type ServiceDefinition,
} from '@scale-chat/platform';

/** The saga-orchestrator service: saga definitions and saga state. */
@Module({})
export class AppModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forService(config)] };
  }
}

export const sagaOrchestratorService: ServiceDefinition = {
  service: 'saga-orchestrator',
  readConfig: (env) => readServiceConfig('saga-orchestrator', env),
  rootModule: (config) => AppModule.register(config),
};
