import { Body, Get, Param, Patch, Put, Delete, Query, UseGuards } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiOkResponse } from '@nestjs/swagger';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { MESSAGE_CHANGE_LIMITS, type ChangesPage, type MessageView } from '@scale-chat/contracts';
import { CurrentUser } from '@scale-chat/platform';
import { HistoryBudgetGuard, SendBudgetGuard } from '../limits/budget.guard';
import { ROOM_ID } from '../rooms/room-access';
import { MessageChangesService } from './message-changes.service';
import { ChangesPageDto, ChangesQuery, EditMessageBody } from './message-changes.dto';
import {
  MessageAt,
  MessagesApi,
  ReactionAt,
  type MessageTarget,
  type ReactionTarget,
} from './message-routes';
import { MessageDto } from './messages.dto';

const NOT_ONE_EMOJI = 'not one emoji';
const DELETED = 'the message was deleted';

/**
 * API.md v1.1: edits, deletions and reactions, and the changes since a version. Every
 * change takes a token of the user's send budget, shared with Socket.IO (docs/chat.md).
 */
@MessagesApi(
  'the caller is not a member, or may not make this change',
  "over the user's send or history budget (shared with Socket.IO); see Retry-After",
)
export class MessageChangesController {
  constructor(private readonly changes: MessageChangesService) {}

  @Patch('messages/:seq')
  @UseGuards(SendBudgetGuard)
  @ApiOkResponse({ type: MessageDto, description: 'edited (or unchanged: the same body)' })
  @ApiBadRequestResponse({ description: 'body rules as for sending' })
  @ApiConflictResponse({ description: DELETED })
  edit(
    @CurrentUser() caller: VerifiedAccessToken,
    @MessageAt() target: MessageTarget,
    @Body() body: EditMessageBody,
  ): Promise<MessageView> {
    return this.changes.edit(caller.userId, target, body.body);
  }

  @Delete('messages/:seq')
  @UseGuards(SendBudgetGuard)
  @ApiOkResponse({ type: MessageDto, description: 'the deleted message (also when it was)' })
  remove(@CurrentUser() caller: VerifiedAccessToken, @MessageAt() target: MessageTarget) {
    return this.changes.remove(caller.userId, target);
  }

  @Put('messages/:seq/reactions/:emoji')
  @UseGuards(SendBudgetGuard)
  @ApiOkResponse({ type: MessageDto, description: 'with the reaction (added once)' })
  @ApiBadRequestResponse({ description: `${NOT_ONE_EMOJI}, or a 21st different emoji` })
  @ApiConflictResponse({ description: DELETED })
  react(@CurrentUser() caller: VerifiedAccessToken, @ReactionAt() target: ReactionTarget) {
    return this.changes.react(caller.userId, target);
  }

  @Delete('messages/:seq/reactions/:emoji')
  @UseGuards(SendBudgetGuard)
  @ApiOkResponse({ type: MessageDto, description: "without the caller's reaction" })
  @ApiBadRequestResponse({ description: NOT_ONE_EMOJI })
  unreact(@CurrentUser() caller: VerifiedAccessToken, @ReactionAt() target: ReactionTarget) {
    return this.changes.unreact(caller.userId, target);
  }

  @Get('changes')
  @UseGuards(HistoryBudgetGuard)
  @ApiOkResponse({ type: ChangesPageDto, description: 'messages changed after afterVersion' })
  @ApiBadRequestResponse({ description: 'afterVersion or limit out of range' })
  page(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
    @Query() query: ChangesQuery,
  ): Promise<ChangesPage> {
    return this.changes.changes(
      caller.userId,
      roomId,
      query.afterVersion ?? 0,
      query.limit ?? MESSAGE_CHANGE_LIMITS.changesDefault,
    );
  }
}
