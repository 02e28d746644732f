import { Module, type DynamicModule } from '@nestjs/common';
import { AdminGuard, jwksAuthenticationProviders } from '@scale-chat/platform';
import type { LogConfig } from '../log-config';
import { StatsController } from './stats.controller';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';

/** `/api/stats/*`, administrators only, read from the tables the event log feeds. */
@Module({})
export class StatsModule {
  static register(config: LogConfig): DynamicModule {
    return {
      module: StatsModule,
      controllers: [StatsController],
      providers: [
        ...jwksAuthenticationProviders(config),
        AdminGuard,
        StatsRepository,
        StatsService,
      ],
    };
  }
}
