import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { KeptSagaRequests } from './kept-saga-requests';
import { SagaEventsController } from './saga-events.controller';
import { SagaMetrics } from './saga-metrics';
import { SagaOrchestrator } from './saga-orchestrator.service';
import { SagaRecord } from './saga.entity';
import { SagasController } from './sagas.controller';
import { SagasRepository } from './sagas.repository';

/** The sagas: their state, the engine that runs them, and the operators' view of them. */
@Module({
  imports: [TypeOrmModule.forFeature([SagaRecord])],
  // The last one is a Kafka handler (`@OnEvent`), not routes.
  controllers: [SagasController, SagaEventsController],
  providers: [SagasRepository, SagaMetrics, SagaOrchestrator, KeptSagaRequests],
})
export class SagasModule {}
