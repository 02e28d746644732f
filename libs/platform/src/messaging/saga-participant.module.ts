import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import {
  sagaParticipantConsumer,
  type CommandHandler,
  type ParticipantName,
} from './saga-participant';
import { ServiceEventConsumers } from './service-event-consumers';

export interface SagaParticipantDefinition {
  readonly participant: ParticipantName;
  /** By command name; each idempotent, each run in the transaction that writes the reply. */
  readonly handlers: Readonly<Record<string, CommandHandler>>;
}

const SAGA_PARTICIPANT = Symbol('SAGA_PARTICIPANT');

/** Answers the service's saga commands from start-up until shutdown. */
@Injectable()
class SagaParticipantRunner {
  constructor(
    @Inject(SAGA_PARTICIPANT) definition: SagaParticipantDefinition,
    consumers: ServiceEventConsumers,
  ) {
    consumers.register(sagaParticipantConsumer(definition.participant, definition.handlers));
  }
}

/** Makes the service a saga participant: `handlers` answer the commands sent to it. */
@Module({})
export class SagaParticipantModule {
  static register(definition: SagaParticipantDefinition): DynamicModule {
    return {
      module: SagaParticipantModule,
      providers: [{ provide: SAGA_PARTICIPANT, useValue: definition }, SagaParticipantRunner],
    };
  }
}
