import { Module, type DynamicModule } from '@nestjs/common';
import { AccessTokenVerifier } from '@scale-chat/access-tokens';
import { DataSource } from 'typeorm';
import type { ChatConfig } from './chat-config';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { PresenceService } from './presence/presence.service';
import { ChatGateway } from './realtime/chat.gateway';
import { ChatMetrics } from './realtime/chat-metrics';
import { LiveRooms } from './realtime/live-rooms';
import { LoginRevocationsConsumer } from './realtime/login-revocations.consumer';
import { RoomEventsFanout } from './realtime/room-events.fanout';
import { RoomsController } from './rooms/rooms.controller';
import { RoomsService } from './rooms/rooms.service';

/** Rooms and messages over REST and Socket.IO, and the consumers that keep sockets in step. */
@Module({})
export class ChatModule {
  static register(config: ChatConfig): DynamicModule {
    return {
      module: ChatModule,
      controllers: [RoomsController, MessagesController],
      providers: [
        {
          provide: AccessTokenVerifier,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            AccessTokenVerifier.fromJwksUrl(config.extra.AUTH_JWKS_URL, {
              issuer: config.extra.TOKEN_ISSUER,
              audience: config.extra.TOKEN_AUDIENCE,
              // Logins auth revoked (recorded by LoginRevocationsConsumer).
              isFamilyRevoked: async (familyId) =>
                (
                  (await dataSource.query(`SELECT 1 FROM "revoked_logins" WHERE "family_id" = $1`, [
                    familyId,
                  ])) as unknown[]
                ).length > 0,
            }),
        },
        LiveRooms,
        ChatMetrics,
        RoomsService,
        MessagesService,
        PresenceService,
        ChatGateway,
        RoomEventsFanout,
        LoginRevocationsConsumer,
      ],
    };
  }
}
