import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfileSagaSteps } from './profile-saga-steps';
import { ChatProfile } from './profile.entity';
import { ProfilesRepository } from './profiles.repository';

/**
 * Users as chat knows them: written by the signup and account-deletion sagas' steps, read
 * by the rooms feature (whom a direct room may be opened with).
 */
@Module({
  imports: [TypeOrmModule.forFeature([ChatProfile])],
  providers: [ProfilesRepository, ProfileSagaSteps],
  exports: [ProfilesRepository, ProfileSagaSteps],
})
export class ProfilesModule {}
