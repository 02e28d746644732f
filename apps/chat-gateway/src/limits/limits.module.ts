import { Module } from '@nestjs/common';
import { UserRateLimits } from './user-rate-limits';

/** One send budget (and typing and read limits) per user, for REST and Socket.IO alike. */
@Module({ providers: [UserRateLimits], exports: [UserRateLimits] })
export class LimitsModule {}
