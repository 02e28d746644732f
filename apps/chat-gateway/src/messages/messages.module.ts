import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LimitsModule } from '../limits/limits.module';
import { LiveModule } from '../realtime/live.module';
import { RoomsModule } from '../rooms/rooms.module';
import { MESSAGE_ENTITIES } from './message.entity';
import { MessageChangesController } from './message-changes.controller';
import { MessageChangesService } from './message-changes.service';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

/** Messages of a room: sends by group commit, pages, read cursors and changes. */
@Module({
  imports: [TypeOrmModule.forFeature(MESSAGE_ENTITIES), RoomsModule, LiveModule, LimitsModule],
  controllers: [MessagesController, MessageChangesController],
  providers: [MessagesRepository, MessagesService, MessageChangesService],
  exports: [MessagesService, MessageChangesService],
})
export class MessagesModule {}
