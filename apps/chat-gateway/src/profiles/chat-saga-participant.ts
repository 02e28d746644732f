import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { isUuid, SAGA_COMMANDS, type SagaCommand } from '@scale-chat/contracts';
import {
  KafkaConnection,
  SERVICE_CONFIG,
  startSagaParticipant,
  type CommandOutcome,
  type EventConsumer,
  type ServiceConfig,
} from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { ChatProfile } from './profile.entity';

/** chat-gateway's part in the sagas. Every handler may run twice with the effect of once. */
@Injectable()
export class ChatSagaParticipant implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly kafka: KafkaConnection,
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startSagaParticipant({
      participant: 'chat-gateway',
      kafka: this.kafka.kafka,
      dataSource: this.dataSource,
      groupPrefix: this.config.kafkaGroupPrefix,
      topicPrefix: this.config.kafkaTopicPrefix,
      logger: this.logger.logger,
      handlers: {
        [SAGA_COMMANDS.createChatProfile]: createProfile,
        [SAGA_COMMANDS.deleteChatProfile]: deleteProfile,
        // Rooms do not exist yet: removing the user leaves only the profile to remove.
        [SAGA_COMMANDS.removeUserFromRooms]: deleteProfile,
      },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}

export async function createProfile(
  command: SagaCommand,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const { userId, username, displayName } = command.payload;
  if (!isUuid(userId) || typeof username !== 'string' || typeof displayName !== 'string') {
    return {
      outcome: 'failed',
      reason: 'the signup payload lacks userId, username or displayName',
    };
  }
  await manager
    .createQueryBuilder()
    .insert()
    .into(ChatProfile)
    .values({ userId, username, displayName })
    .orIgnore()
    .execute();
  return { outcome: 'succeeded' };
}

export async function deleteProfile(
  command: SagaCommand,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const { userId } = command.payload;
  if (isUuid(userId)) await manager.delete(ChatProfile, { userId });
  return { outcome: 'succeeded' };
}
