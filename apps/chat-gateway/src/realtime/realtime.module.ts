import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { MessagesModule } from '../messages/messages.module';
import { PresenceModule } from '../presence/presence.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatGateway } from './chat.gateway';
import { LiveModule } from './live.module';
import { LoginRevocationsConsumer } from './login-revocations.consumer';
import { MessageChangesGateway } from './message-changes.gateway';
import { RevokedLoginSweep } from './revoked-login-sweep';
import { RoomEventsBroadcaster } from './room-events.broadcaster';
import { SlowReaders } from './slow-readers';
import { SocketAnswers } from './socket-answers';

/**
 * Socket.IO: the gateways, the room events broadcast as the outbox relay publishes them,
 * and the Kafka handler that closes revoked logins' sockets on every instance (and the
 * sweep that closes any it missed).
 */
@Module({
  imports: [RoomsModule, MessagesModule, PresenceModule, LiveModule, LimitsModule],
  // Kafka handlers (`@OnEvent`), not routes.
  controllers: [LoginRevocationsConsumer],
  providers: [
    ChatGateway,
    MessageChangesGateway,
    RoomEventsBroadcaster,
    RevokedLoginSweep,
    SlowReaders,
    SocketAnswers,
  ],
})
export class RealtimeModule {}
