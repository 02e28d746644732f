import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountDeletionService } from './account-deletion.service';
import { StaleSignups } from './stale-signups';
import { User } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * Accounts: lookup and search, deletion (its saga's steps are `AuthSagasModule`'s), and
 * the discarding of signups that never finished.
 */
@Module({
  imports: [TypeOrmModule.forFeature([User])],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, AccountDeletionService, StaleSignups],
  exports: [UsersRepository],
})
export class UsersModule {}
