import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { MessagesModule } from '../messages/messages.module';
import { PresenceModule } from '../presence/presence.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatGateway } from './chat.gateway';
import { LiveModule } from './live.module';
import { LoginRevocationsConsumer } from './login-revocations.consumer';
import { MessageChangesGateway } from './message-changes.gateway';
import { RoomEventsFanout } from './room-events.fanout';

/**
 * Socket.IO: the gateways, and the Kafka handlers that keep every instance's sockets in
 * step (room events fanned out, revoked logins' sockets closed).
 */
@Module({
  imports: [RoomsModule, MessagesModule, PresenceModule, LiveModule, LimitsModule],
  // Kafka handlers (`@OnEvent`), not routes.
  controllers: [RoomEventsFanout, LoginRevocationsConsumer],
  providers: [ChatGateway, MessageChangesGateway],
})
export class RealtimeModule {}
