import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SAGA_COMMANDS, type SagaCommand } from '@scale-chat/contracts';
import {
  KafkaConnection,
  SERVICE_CONFIG,
  startSagaParticipant,
  type CommandOutcome,
  type EventConsumer,
  type ServiceConfig,
} from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { DataSource, EntityManager } from 'typeorm';
import { deleteUser, restoreUser } from './users/account-deletion.service';
import { User } from './users/user.entity';

const userIdOf = (command: SagaCommand) => String(command.payload['userId']);

/** auth's part in the sagas. Every handler may run twice with the same effect as once. */
@Injectable()
export class AuthSagaParticipant implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly kafka: KafkaConnection,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startSagaParticipant({
      participant: 'auth',
      kafka: this.kafka.kafka,
      dataSource: this.dataSource,
      groupPrefix: this.config.kafkaGroupPrefix,
      topicPrefix: this.config.kafkaTopicPrefix,
      logger: this.logger.logger,
      handlers: {
        [SAGA_COMMANDS.activateUser]: (command, manager) =>
          activateUser(userIdOf(command), manager),
        [SAGA_COMMANDS.discardPendingUser]: (command, manager) =>
          discardPendingUser(userIdOf(command), manager),
        [SAGA_COMMANDS.deleteUser]: (command, manager) => deleteUser(userIdOf(command), manager),
        [SAGA_COMMANDS.restoreUser]: (command, manager) => restoreUser(userIdOf(command), manager),
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}

/** pending → active; already active is success too (a repeated command). */
export async function activateUser(
  userId: string,
  manager: EntityManager,
): Promise<CommandOutcome> {
  await manager.update(User, { id: userId, status: 'pending' }, { status: 'active' });
  const user = await manager.findOneBy(User, { id: userId });
  return user?.status === 'active'
    ? { outcome: 'succeeded' }
    : { outcome: 'failed', reason: 'the user is not pending' };
}

/** The signup failed: the pending user goes and its username is free again. */
export async function discardPendingUser(
  userId: string,
  manager: EntityManager,
): Promise<CommandOutcome> {
  await manager.delete(User, { id: userId, status: 'pending' });
  return { outcome: 'succeeded' };
}
