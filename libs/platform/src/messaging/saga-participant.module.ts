import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { KafkaConnection } from '../kafka';
import type { EventConsumer } from './event-consumer';
import {
  startSagaParticipant,
  type CommandHandler,
  type ParticipantName,
} from './saga-participant';

export interface SagaParticipantDefinition {
  readonly participant: ParticipantName;
  /** By command name; each idempotent, each run in the transaction that writes the reply. */
  readonly handlers: Readonly<Record<string, CommandHandler>>;
}

const SAGA_PARTICIPANT = Symbol('SAGA_PARTICIPANT');

/** Answers the service's saga commands from start-up until shutdown. */
@Injectable()
class SagaParticipantRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(SAGA_PARTICIPANT) private readonly definition: SagaParticipantDefinition,
    private readonly kafka: KafkaConnection,
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startSagaParticipant({
      ...this.definition,
      kafka: this.kafka.kafka,
      dataSource: this.dataSource,
      groupPrefix: this.config.kafkaGroupPrefix,
      topicPrefix: this.config.kafkaTopicPrefix,
      logger: this.logger.logger,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
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
