import {
  Body,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { CHAT_LIMITS, type MessageView } from '@scale-chat/contracts';
import { CurrentUser } from '@scale-chat/platform';
import { HistoryBudgetGuard, ReadBudgetGuard, SendBudgetGuard } from '../limits/budget.guard';
import { MessagesApi } from './message-routes';
import { ROOM_ID } from '../rooms/room-access';
import type { ServerResponse } from 'node:http';
import {
  MessageDto,
  MessagePageDto,
  MessagePageQuery,
  ReadBody,
  SendMessageBody,
} from './messages.dto';
import { MessagesService, type MessagePage } from './messages.service';

@MessagesApi(
  'the caller is not a member',
  "over the user's send, read or history budget (shared with Socket.IO); see Retry-After",
)
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get('messages')
  @UseGuards(HistoryBudgetGuard)
  @ApiOkResponse({ type: MessagePageDto, description: 'ascending seq' })
  page(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
    @Query() query: MessagePageQuery,
  ): Promise<MessagePage> {
    return this.messages.page(caller.userId, roomId, {
      ...(query.afterSeq === undefined ? {} : { afterSeq: query.afterSeq }),
      ...(query.beforeSeq === undefined ? {} : { beforeSeq: query.beforeSeq }),
      limit: query.limit ?? CHAT_LIMITS.pageDefault,
    });
  }

  @Post('messages')
  @UseGuards(SendBudgetGuard)
  @ApiCreatedResponse({ type: MessageDto, description: 'stored' })
  @ApiOkResponse({ type: MessageDto, description: 'a repeated clientMsgId: the original' })
  async send(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
    @Body() body: SendMessageBody,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<MessageView> {
    const outcome = await this.messages.send(
      caller.userId,
      roomId,
      body.clientMsgId,
      body.body,
      body.replyToSeq,
    );
    response.statusCode = outcome.created ? HttpStatus.CREATED : HttpStatus.OK;
    return outcome.message;
  }

  @Post('read')
  @UseGuards(ReadBudgetGuard)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'the read cursor moved forward (never back)' })
  async read(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
    @Body() body: ReadBody,
  ): Promise<void> {
    await this.messages.markRead(caller.userId, roomId, body.seq);
  }
}
