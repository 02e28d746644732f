import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { jwksAuthenticationProviders } from '@scale-chat/platform';
import type { OrchestratorConfig } from '../orchestrator-config';
import { KeptSagaRequests } from './kept-saga-requests';
import { SagaEventsController } from './saga-events.controller';
import { SagaMetrics } from './saga-metrics';
import { SagaOrchestrator } from './saga-orchestrator.service';
import { SagaRecord } from './saga.entity';
import { SagasController } from './sagas.controller';
import { SagasRepository } from './sagas.repository';

/** The sagas: their state, the engine that runs them, and the operators' view of them. */
@Module({})
export class SagasModule {
  static register(config: OrchestratorConfig): DynamicModule {
    return {
      module: SagasModule,
      imports: [TypeOrmModule.forFeature([SagaRecord])],
      // The last one is a Kafka handler (`@OnEvent`), not routes.
      controllers: [SagasController, SagaEventsController],
      providers: [
        ...jwksAuthenticationProviders(config),
        SagasRepository,
        SagaMetrics,
        SagaOrchestrator,
        KeptSagaRequests,
      ],
    };
  }
}
