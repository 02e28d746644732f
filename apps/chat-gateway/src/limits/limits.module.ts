import { Module } from '@nestjs/common';
import { UserRateLimits } from './user-rate-limits';

/** Each user's budgets (`UserRateLimits`), one instance for REST and Socket.IO alike. */
@Module({ providers: [UserRateLimits], exports: [UserRateLimits] })
export class LimitsModule {}
