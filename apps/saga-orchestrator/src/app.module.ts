import { Module, type DynamicModule } from '@nestjs/common';
import { SAGA_COMMAND_TOPICS } from '@scale-chat/contracts';
import {
  CreateRevokedLogins1764200000000,
  jwksAuthenticationProviders,
  PlatformModule,
  RevokedLogin,
  RevokedLoginsController,
  type ServiceDefinition,
} from '@scale-chat/platform';
import { CreateSagas1763950000000 } from './database/1763950000000-create-sagas';
import { AddSagaCorrelationId1765100000000 } from './database/1765100000000-add-saga-correlation-id';
import { readOrchestratorConfig, type OrchestratorConfig } from './orchestrator-config';
import { SagaEventsController } from './sagas/saga-events.controller';
import { SagaMetrics } from './sagas/saga-metrics';
import { SagaOrchestrator } from './sagas/saga-orchestrator.service';
import { SagasController } from './sagas/sagas.controller';
import { SagaRecord } from './sagas/saga.entity';

/** The saga-orchestrator service: saga definitions and saga state. */
@Module({})
export class AppModule {
  static register(config: OrchestratorConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService(config, {
          entities: [SagaRecord, RevokedLogin],
          migrations: [
            CreateSagas1763950000000,
            CreateRevokedLogins1764200000000,
            AddSagaCorrelationId1765100000000,
          ],
          publishes: Object.values(SAGA_COMMAND_TOPICS),
        }),
      ],
      // The last two are Kafka handlers (`@OnEvent`), not routes.
      controllers: [SagasController, SagaEventsController, RevokedLoginsController],
      providers: [...jwksAuthenticationProviders(config), SagaMetrics, SagaOrchestrator],
    };
  }
}

export const sagaOrchestratorService: ServiceDefinition<OrchestratorConfig> = {
  service: 'saga-orchestrator',
  readConfig: readOrchestratorConfig,
  rootModule: (config) => AppModule.register(config),
};
