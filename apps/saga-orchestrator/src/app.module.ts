import { Module, type DynamicModule } from '@nestjs/common';
import { SAGA_COMMAND_TOPICS } from '@scale-chat/contracts';
import {
  CreateRevokedLogins1764200000000,
  JwksAuthenticationModule,
  PlatformModule,
  RevokedLogin,
  RevokedLoginsController,
  type ServiceDefinition,
} from '@scale-chat/platform';
import { readOrchestratorConfig, type OrchestratorConfig } from './orchestrator-config';
import { CreateSagas1763950000000 } from './sagas/migrations/1763950000000-create-sagas';
import { AddSagaCorrelationId1765100000000 } from './sagas/migrations/1765100000000-add-saga-correlation-id';
import { SagaRecord } from './sagas/saga.entity';
import { SagasModule } from './sagas/sagas.module';

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
        JwksAuthenticationModule.register(config),
        SagasModule,
      ],
      // A Kafka handler (`@OnEvent`): the revoked logins the sagas' guard checks.
      controllers: [RevokedLoginsController],
    };
  }
}

export const sagaOrchestratorService: ServiceDefinition<OrchestratorConfig> = {
  service: 'saga-orchestrator',
  readConfig: readOrchestratorConfig,
  rootModule: (config) => AppModule.register(config),
};
