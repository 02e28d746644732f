import { Module } from '@nestjs/common';
import { LimitsModule } from '../limits/limits.module';
import { RoomsModule } from '../rooms/rooms.module';
import { MessageSearchController } from './message-search.controller';
import { MessageSearchRepository } from './message-search.repository';
import { MessageSearchService } from './message-search.service';

/** `GET /api/messages/search`: messages of the caller's rooms by a substring of their body. */
@Module({
  imports: [RoomsModule, LimitsModule],
  controllers: [MessageSearchController],
  providers: [MessageSearchRepository, MessageSearchService],
})
export class MessageSearchModule {}
