import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AccessTokenGuard, AdminGuard } from '@scale-chat/platform';
import {
  SeriesQuery,
  SeriesView,
  SummaryQuery,
  SummaryView,
  TopWordsQuery,
  TopWordsView,
} from './stats.dto';
import { StatsService } from './stats.service';

/** `/api/stats/*` of API.md: administrators only. */
@ApiTags('stats')
@ApiBearerAuth()
@ApiForbiddenResponse({ description: 'the caller is not in ADMIN_USERNAMES' })
@UseGuards(AccessTokenGuard, AdminGuard)
@Controller('api/stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get('summary')
  @ApiOkResponse({ type: SummaryView })
  // Validated only: a parameter, none being taken, is a 400 as on the other stats.
  summary(@Query() _none: SummaryQuery): Promise<SummaryView> {
    return this.stats.summary();
  }

  @Get('messages')
  @ApiOkResponse({ type: SeriesView })
  messages(@Query() query: SeriesQuery): Promise<SeriesView> {
    return this.stats.series('messages', query);
  }

  @Get('signups')
  @ApiOkResponse({ type: SeriesView })
  signups(@Query() query: SeriesQuery): Promise<SeriesView> {
    return this.stats.series('signups', query);
  }

  @Get('top-words')
  @ApiOkResponse({ type: TopWordsView })
  topWords(@Query() query: TopWordsQuery): Promise<TopWordsView> {
    return this.stats.topWords(query);
  }
}
