import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LimitsModule } from '../limits/limits.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { ROOM_ENTITIES } from './room.entities';
import { RoomsController } from './rooms.controller';
import { RoomLeaves } from './room-leaves';
import { RoomSagaSteps } from './room-saga-steps';
import { RoomsRepository } from './rooms.repository';
import { RoomsService } from './rooms.service';

/** Rooms and memberships: REST, the room saga's steps, and the SQL of both. */
@Module({
  imports: [TypeOrmModule.forFeature(ROOM_ENTITIES), LimitsModule, ProfilesModule],
  controllers: [RoomsController],
  providers: [RoomsRepository, RoomsService, RoomLeaves, RoomSagaSteps],
  exports: [RoomsRepository, RoomsService, RoomSagaSteps],
})
export class RoomsModule {}
