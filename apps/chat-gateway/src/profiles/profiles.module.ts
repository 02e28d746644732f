import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ChatSagaController } from './chat-saga-participant';
import { ChatProfile } from './profile.entity';

/**
 * Users as chat knows them, and chat-gateway's part in the sagas: the profile steps here,
 * the room steps from the rooms feature (`room-saga-handlers.ts`), all in the handler's
 * own transaction.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ChatProfile])],
  controllers: [ChatSagaController],
})
export class ProfilesModule {}
