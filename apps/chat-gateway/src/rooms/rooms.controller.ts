import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import type { RoomMemberView, RoomSummaryView, RoomView } from '@scale-chat/contracts';
import { AccessTokenGuard, CurrentUser } from '@scale-chat/platform';
import {
  HistoryBudgetGuard,
  RoomRemovalBudgetGuard,
  RoomWriteBudgetGuard,
} from '../limits/budget.guard';
import { MEMBER_ID, ROOM_ID } from './room-access';
import {
  AddMemberBody,
  CreateRoomBody,
  OpenDirectRoomBody,
  RoomDto,
  RoomListDto,
  RoomMemberDto,
} from './rooms.dto';
import { RoomsService } from './rooms.service';

const RoomWrite = (guard: typeof RoomWriteBudgetGuard = RoomWriteBudgetGuard) =>
  applyDecorators(
    UseGuards(guard),
    ApiTooManyRequestsResponse({ description: "the caller's budget of room writes is spent" }),
  );

@ApiTags('rooms')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'missing, expired or forged access token' })
@Controller('api/rooms')
@UseGuards(AccessTokenGuard)
export class RoomsController {
  constructor(private readonly rooms: RoomsService) {}

  @Post()
  @RoomWrite()
  @ApiCreatedResponse({ type: RoomDto, description: 'the room saga finished: the room is active' })
  @ApiBadRequestResponse({ description: 'invalid, or some memberIds are not active users' })
  @ApiServiceUnavailableResponse({ description: 'the room saga did not finish within the wait' })
  create(
    @CurrentUser() caller: VerifiedAccessToken,
    @Body() body: CreateRoomBody,
  ): Promise<RoomView> {
    return this.rooms.create(caller.userId, body.name, body.memberIds ?? []);
  }

  @Post('direct')
  @RoomWrite()
  @ApiCreatedResponse({ type: RoomDto, description: 'the new direct room of the pair' })
  @ApiOkResponse({ type: RoomDto, description: 'the direct room the pair already has' })
  @ApiBadRequestResponse({ description: "invalid, the caller's own id, or a user not active" })
  @ApiNotFoundResponse({ description: 'no such user' })
  @ApiServiceUnavailableResponse({ description: 'the room saga did not finish within the wait' })
  async openDirect(
    @CurrentUser() caller: VerifiedAccessToken,
    @Body() body: OpenDirectRoomBody,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<RoomView> {
    const { room, created } = await this.rooms.openDirect(caller.userId, body.userId);
    response.statusCode = created ? HttpStatus.CREATED : HttpStatus.OK;
    return room;
  }

  @Get()
  @UseGuards(HistoryBudgetGuard)
  @ApiTooManyRequestsResponse({ description: "the caller's budget of reads is spent" })
  @ApiOkResponse({
    type: RoomListDto,
    description: "the caller's rooms, most recent activity first",
  })
  async list(@CurrentUser() caller: VerifiedAccessToken): Promise<{ items: RoomSummaryView[] }> {
    return { items: await this.rooms.list(caller.userId) };
  }

  @Get(':id')
  @UseGuards(HistoryBudgetGuard)
  @ApiTooManyRequestsResponse({ description: "the caller's budget of reads is spent" })
  @ApiOkResponse({ type: RoomDto })
  @ApiForbiddenResponse({ description: 'the caller is not a member' })
  @ApiNotFoundResponse()
  get(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
  ): Promise<RoomView> {
    return this.rooms.get(caller.userId, roomId);
  }

  @Post(':id/members')
  @RoomWrite()
  @ApiCreatedResponse({ type: RoomMemberDto })
  @ApiBadRequestResponse({ description: 'invalid, or the user is not active' })
  @ApiConflictResponse({ description: 'already a member, or the room is full' })
  @ApiForbiddenResponse({ description: 'the caller is not a member, or the room is direct' })
  @ApiNotFoundResponse()
  addMember(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
    @Body() body: AddMemberBody,
  ): Promise<RoomMemberView> {
    return this.rooms.addMember(caller.userId, roomId, body.userId);
  }

  @Delete(':id/members/:userId')
  @RoomWrite(RoomRemovalBudgetGuard)
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'left, or removed by the owner' })
  @ApiForbiddenResponse({
    description: 'neither the member itself nor the owner, or a direct room',
  })
  @ApiNotFoundResponse()
  removeMember(
    @CurrentUser() caller: VerifiedAccessToken,
    @Param('id', ROOM_ID) roomId: string,
    @Param('userId', MEMBER_ID) userId: string,
  ): Promise<void> {
    return this.rooms.removeMember(caller.userId, roomId, userId);
  }
}
