import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AUTH_LOGINS_TOPIC, LOGIN_REVOKED, type LoginRevoked, isUuid } from '@scale-chat/contracts';
import {
  EventConsumer,
  eventHandler,
  KafkaConnection,
  SERVICE_CONFIG,
  type ServiceConfig,
} from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { LiveRooms, loginRoom } from './live-rooms';

const REASONS: readonly string[] = ['logout', 'reuse', 'account-deleted'];

function parseLoginRevoked(data: unknown): LoginRevoked {
  const { userId, familyId, reason } = (data ?? {}) as Record<string, unknown>;
  if (!isUuid(userId)) throw new Error('userId is not a UUID');
  if (!isUuid(familyId)) throw new Error('familyId is not a UUID');
  if (typeof reason !== 'string' || !REASONS.includes(reason))
    throw new Error('reason is not known');
  return { userId, familyId, reason: reason as LoginRevoked['reason'] };
}

/**
 * When auth revokes a login (logout, a stolen refresh token, a deleted account), the
 * sockets of that login close on every gateway instance within moments. One instance
 * handles each event (a shared consumer group); the disconnect travels through the
 * Socket.IO cluster adapter.
 */
@Injectable()
export class LoginRevocationsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: EventConsumer | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    private readonly kafka: KafkaConnection,
    private readonly dataSource: DataSource,
    private readonly live: LiveRooms,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = new EventConsumer({
      kafka: this.kafka.kafka,
      dataSource: this.dataSource,
      groupId: `${this.config.kafkaGroupPrefix}.login-revocations`,
      topicPrefix: this.config.kafkaTopicPrefix,
      topics: [AUTH_LOGINS_TOPIC],
      // Only what happens from now on matters: sockets of older logins are long gone.
      fromBeginning: false,
      logger: this.logger.logger.child({ component: 'login-revocations' }),
      handlers: [
        eventHandler<LoginRevoked>({
          type: LOGIN_REVOKED,
          parse: parseLoginRevoked,
          handle: (event) => {
            this.live.disconnect(loginRoom(event.data.familyId));
            return Promise.resolve();
          },
        }),
      ],
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
