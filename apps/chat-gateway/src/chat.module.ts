import { Module, type DynamicModule } from '@nestjs/common';
import { jwksAuthenticationProviders } from '@scale-chat/platform';
import type { ChatConfig } from './chat-config';
import { MessagesController } from './messages/messages.controller';
import { MessagesService } from './messages/messages.service';
import { MessageChangesController } from './messages/message-changes.controller';
import { MessageChangesService } from './messages/message-changes.service';
import { MessageChangesGateway } from './realtime/message-changes.gateway';
import { PresenceService } from './presence/presence.service';
import { ChatGateway } from './realtime/chat.gateway';
import { ChatMetrics } from './realtime/chat-metrics';
import { LiveRooms } from './realtime/live-rooms';
import { LoginRevocationsConsumer } from './realtime/login-revocations.consumer';
import { RoomEventsFanout } from './realtime/room-events.fanout';
import { RoomsController } from './rooms/rooms.controller';
import { RoomsService } from './rooms/rooms.service';
import { MessageSearchController } from './search/message-search.controller';
import { MessageSearchService } from './search/message-search.service';
import { UserRateLimits } from './limits/user-rate-limits';

/** Rooms and messages over REST and Socket.IO, and the consumers that keep sockets in step. */
@Module({})
export class ChatModule {
  static register(config: ChatConfig): DynamicModule {
    return {
      module: ChatModule,
      // The last two are Kafka handlers (`@OnEvent`), not routes.
      controllers: [
        RoomsController,
        MessagesController,
        MessageChangesController,
        MessageSearchController,
        RoomEventsFanout,
        LoginRevocationsConsumer,
      ],
      providers: [
        ...jwksAuthenticationProviders(config),
        LiveRooms,
        ChatMetrics,
        UserRateLimits,
        RoomsService,
        MessagesService,
        MessageChangesService,
        MessageSearchService,
        PresenceService,
        ChatGateway,
        MessageChangesGateway,
      ],
    };
  }
}
