import { Module, type DynamicModule } from '@nestjs/common';
import { SAGA_COMMAND_TOPICS } from '@scale-chat/contracts';
import { PlatformModule, type ServiceDefinition } from '@scale-chat/platform';
import { CreateSagas1763950000000 } from './database/1763950000000-create-sagas';
import { readOrchestratorConfig, type OrchestratorConfig } from './orchestrator-config';
import { SagaOrchestrator } from './sagas/saga-orchestrator.service';
import { SagaRecord } from './sagas/saga.entity';

/** The saga-orchestrator service: saga definitions and saga state. */
@Module({})
export class AppModule {
  static register(config: OrchestratorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService(config, {
          entities: [SagaRecord],
          migrations: [CreateSagas1763950000000],
          publishes: Object.values(SAGA_COMMAND_TOPICS),
        }),
      ],
      providers: [SagaOrchestrator],
    };
  }
}

export const sagaOrchestratorService: ServiceDefinition<OrchestratorConfig> = {
  service: 'saga-orchestrator',
  readConfig: readOrchestratorConfig,
  rootModule: (config) => AppModule.register(config),
};
