import { Module } from '@nestjs/common';
import { ProfilesModule } from '../profiles/profiles.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatSagaController } from './chat-saga.controller';

/**
 * chat-gateway's part in the sagas: a Kafka handler (`@OnSagaCommand`) answering the
 * orchestrator's commands with the profiles' and the rooms' steps.
 */
@Module({
  imports: [ProfilesModule, RoomsModule],
  controllers: [ChatSagaController],
})
export class ChatSagasModule {}
