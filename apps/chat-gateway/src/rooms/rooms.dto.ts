import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CHAT_LIMITS,
  type MemberRole,
  type MemberView,
  type RoomKind,
  type RoomMemberView,
  type RoomSummaryView,
  type RoomView,
} from '@scale-chat/contracts';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches } from 'class-validator';
import { CharacterLength, IsId, VisibleName } from '@scale-chat/platform';
import { MessageDto } from '../messages/messages.dto';

/** `POST /api/rooms` */
export class CreateRoomBody {
  @ApiProperty({ minLength: 1, maxLength: CHAT_LIMITS.roomNameMax, example: 'Lunch' })
  @IsString()
  @CharacterLength(1, CHAT_LIMITS.roomNameMax)
  @Matches(/\S/, { message: 'name must not be blank' })
  @VisibleName()
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: CHAT_LIMITS.initialMembersMax,
    description: 'active users to add besides the caller',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CHAT_LIMITS.initialMembersMax)
  @IsId({ each: true })
  memberIds?: string[];
}

/** `POST /api/rooms/:id/members` */
export class AddMemberBody {
  @ApiProperty({ format: 'uuid' })
  @IsId()
  userId!: string;
}

/** `POST /api/rooms/direct`: the other user of the direct room. */
export class OpenDirectRoomBody extends AddMemberBody {}

export class MemberDto implements MemberView {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ enum: ['owner', 'member'] }) role!: MemberRole;
  @ApiProperty({ format: 'date-time' }) joinedAt!: string;
}

export class RoomMemberDto extends MemberDto implements RoomMemberView {
  @ApiProperty({ description: 'as the presence event would say now' }) online!: boolean;
  @ApiProperty({ description: "the member's read cursor; 0 before any" }) lastReadSeq!: number;
}

export class RoomDto implements RoomView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['group', 'direct'] }) kind!: RoomKind;
  @ApiProperty({ type: String, nullable: true, description: 'null for a direct room' })
  name!: string | null;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ type: [RoomMemberDto] }) members!: RoomMemberDto[];
  @ApiProperty({ description: 'seq of the newest message; 0 when there is none' })
  lastSeq!: number;
  @ApiProperty({
    description: "v1.1: the version of the room's latest change; 0 when there is none",
  })
  lastVersion!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** An item of `GET /api/rooms`. */
export class RoomSummaryDto implements RoomSummaryView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ['group', 'direct'] }) kind!: RoomKind;
  @ApiProperty({ type: String, nullable: true, description: 'null for a direct room' })
  name!: string | null;
  @ApiProperty() lastSeq!: number;
  @ApiProperty({ description: 'v1.1' }) lastVersion!: number;
  @ApiProperty({ description: "messages after the caller's read cursor" }) unreadCount!: number;
  @ApiProperty({ description: 'v1.1: of those, the ones that mention the caller' })
  mentionCount!: number;
  @ApiProperty({ type: MessageDto, nullable: true }) lastMessage!: MessageDto | null;
  @ApiProperty() memberCount!: number;
}

/** `GET /api/rooms` */
export class RoomListDto {
  @ApiProperty({ type: [RoomSummaryDto], description: 'most recent activity first' })
  items!: RoomSummaryDto[];
}
