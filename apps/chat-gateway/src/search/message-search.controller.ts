import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import type { MessageView } from '@scale-chat/contracts';
import { AccessTokenGuard, CurrentUser } from '@scale-chat/platform';
import { SearchBudgetGuard } from '../limits/budget.guard';
import { MessagePageDto } from '../messages/messages.dto';
import { SEARCH_LIMITS, SearchMessagesQuery } from './message-search.dto';
import { MessageSearchService } from './message-search.service';

@ApiTags('messages')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'missing, expired or forged access token' })
@Controller('api/messages')
@UseGuards(AccessTokenGuard)
export class MessageSearchController {
  constructor(private readonly searches: MessageSearchService) {}

  @Get('search')
  @UseGuards(SearchBudgetGuard)
  @ApiOkResponse({
    type: MessagePageDto,
    description: "messages of the caller's rooms whose body contains the query, newest first",
  })
  @ApiBadRequestResponse({ description: 'invalid, or before is not a message of your rooms' })
  @ApiForbiddenResponse({ description: 'the caller is not a member of roomId' })
  @ApiNotFoundResponse({ description: 'no room roomId' })
  @ApiTooManyRequestsResponse({ description: "the caller's budget of searches is spent" })
  @ApiServiceUnavailableResponse({
    description: 'the search ran past its time (a rare short text)',
  })
  search(
    @CurrentUser() caller: VerifiedAccessToken,
    @Query() query: SearchMessagesQuery,
  ): Promise<{ items: MessageView[]; hasMore: boolean }> {
    return this.searches.search(caller.userId, {
      query: query.query,
      roomId: query.roomId,
      limit: query.limit ?? SEARCH_LIMITS.pageDefault,
      before: query.before,
    });
  }
}
