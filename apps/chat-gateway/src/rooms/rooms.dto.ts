import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHAT_LIMITS } from '@scale-chat/contracts';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches } from 'class-validator';
import { IsId } from '@scale-chat/platform';
import { CharacterLength } from '../character-length';

/** `POST /api/rooms` */
export class CreateRoomBody {
  @ApiProperty({ minLength: 1, maxLength: CHAT_LIMITS.roomNameMax, example: 'Lunch' })
  @IsString()
  @CharacterLength(1, CHAT_LIMITS.roomNameMax)
  @Matches(/\S/, { message: 'name must not be blank' })
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

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ enum: ['owner', 'member'] }) role!: string;
  @ApiProperty({ format: 'date-time' }) joinedAt!: string;
}

export class RoomDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'uuid' }) ownerId!: string;
  @ApiProperty({ type: [MemberDto] }) members!: MemberDto[];
  @ApiProperty({ description: 'seq of the newest message; 0 when there is none' })
  lastSeq!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
