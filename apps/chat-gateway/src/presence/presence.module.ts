import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LiveModule } from '../realtime/live.module';
import { RoomsModule } from '../rooms/rooms.module';
import { PRESENCE_ENTITIES } from './presence.entities';
import { PresenceRepository } from './presence.repository';
import { PresenceService } from './presence.service';

/** Who is online across every gateway instance, and the per-user socket cap. */
@Module({
  imports: [TypeOrmModule.forFeature(PRESENCE_ENTITIES), RoomsModule, LiveModule],
  providers: [PresenceRepository, PresenceService],
  exports: [PresenceService],
})
export class PresenceModule {}
