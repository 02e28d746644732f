import { Module, type DynamicModule } from '@nestjs/common';
import {
  CreateRevokedLogins1764200000000,
  JwksAuthenticationModule,
  PlatformModule,
  RevokedLogin,
  setUpOpenApi,
  type ServiceDefinition,
} from '@scale-chat/platform';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  SAGA_REPLIES_TOPIC,
  SAGA_REQUESTS_TOPIC,
} from '@scale-chat/contracts';
import { readChatConfig, type ChatConfig } from './chat-config';
import { CreateProfiles1763960000000 } from './profiles/migrations/1763960000000-create-profiles';
import { CreateRoomsAndMessages1764000000000 } from './rooms/migrations/1764000000000-create-rooms-and-messages';
import { CreatePresence1764100000000 } from './presence/migrations/1764100000000-create-presence';
import { NotifyRoomStatus1765300000000 } from './rooms/migrations/1765300000000-notify-room-status';
import { AddDirectRooms1765500000000 } from './rooms/migrations/1765500000000-add-direct-rooms';
import { AddMessageSearch1765600000000 } from './messages/migrations/1765600000000-add-message-search';
import { MessageVersions1766000000000 } from './messages/migrations/1766000000000-message-versions';
import { StoreSendsFunction1767500000000 } from './messages/migrations/1767500000000-store-sends-function';
import { StoreSendsLookupsByIndex1767600000000 } from './messages/migrations/1767600000000-store-sends-lookups-by-index';
import { CancelledMemberships1768000000000 } from './rooms/migrations/1768000000000-cancelled-memberships';
import { MembershipSagas1768100000000 } from './rooms/migrations/1768100000000-membership-sagas';
import { MembershipJoinedSeq1768600000000 } from './rooms/migrations/1768600000000-membership-joined-seq';
import { SearchFoldsFinalSigma1768700000000 } from './messages/migrations/1768700000000-search-folds-final-sigma';
import { PRESENCE_ENTITIES } from './presence/presence.entities';
import { ChatProfile } from './profiles/profile.entity';
import { ROOM_ENTITIES } from './rooms/room.entities';
import { MESSAGE_ENTITIES } from './messages/message.entity';
import { MessagesModule } from './messages/messages.module';
import { MessageSearchModule } from './search/message-search.module';
import { PresenceModule } from './presence/presence.module';
import { RealtimeModule } from './realtime/realtime.module';
import { RoomsModule } from './rooms/rooms.module';
import { ChatSagasModule } from './sagas/chat-sagas.module';
import { configureRealtime } from './realtime/configure-realtime';

/** The chat-gateway service: rooms, messages and the Socket.IO gateway. */
@Module({})
export class AppModule {
  static register(config: ChatConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService(config, {
          entities: [
            ChatProfile,
            ...ROOM_ENTITIES,
            ...MESSAGE_ENTITIES,
            ...PRESENCE_ENTITIES,
            RevokedLogin,
          ],
          migrations: [
            CreateProfiles1763960000000,
            CreateRoomsAndMessages1764000000000,
            CreatePresence1764100000000,
            CreateRevokedLogins1764200000000,
            NotifyRoomStatus1765300000000,
            AddDirectRooms1765500000000,
            AddMessageSearch1765600000000,
            MessageVersions1766000000000,
            StoreSendsFunction1767500000000,
            StoreSendsLookupsByIndex1767600000000,
            CancelledMemberships1768000000000,
            MembershipSagas1768100000000,
            MembershipJoinedSeq1768600000000,
            SearchFoldsFinalSigma1768700000000,
          ],
          publishes: [CHAT_ROOM_EVENTS_TOPIC, SAGA_REQUESTS_TOPIC, SAGA_REPLIES_TOPIC],
        }),
        JwksAuthenticationModule.register(config),
        RoomsModule,
        ChatSagasModule,
        MessagesModule,
        MessageSearchModule,
        PresenceModule,
        RealtimeModule,
      ],
    };
  }
}

export const chatGatewayService: ServiceDefinition<ChatConfig> = {
  service: 'chat-gateway',
  readConfig: readChatConfig,
  rootModule: (config) => AppModule.register(config),
  configure: async (app, config) => {
    setUpOpenApi(app, {
      title: 'scale-chat rooms and messages',
      description: 'Rooms and messages (API.md). Live events travel over Socket.IO at /socket.io/.',
      path: 'api/rooms/docs',
    });
    await configureRealtime(app, config);
  },
};
