import { Module } from '@nestjs/common';
import { AdminGuard } from '@scale-chat/platform';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';

/** `/api/stats/*`, administrators only, read from the tables the event log feeds. */
@Module({
  controllers: [StatsController],
  providers: [AdminGuard, StatsRepository, StatsService],
})
export class StatsModule {}
