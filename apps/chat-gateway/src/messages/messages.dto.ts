import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CHAT_LIMITS,
  type MessageView,
  type ReactionView,
  type ReadPayload,
  type SendMessagePayload,
  type SyncPayload,
  type TypingPayload,
} from '@scale-chat/contracts';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { CharacterLength, IsId, QueryInteger } from '@scale-chat/platform';

/** A message body is validated and stored trimmed, as API.md counts its length. */
const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

/** The largest `seq` a body or event may name. */
export const SEQ_MAX = Number.MAX_SAFE_INTEGER;

/** `POST /api/rooms/:id/messages` */
export class SendMessageBody {
  @ApiProperty({ minLength: 1, maxLength: CHAT_LIMITS.clientMsgIdMax })
  @IsString()
  @CharacterLength(1, CHAT_LIMITS.clientMsgIdMax)
  clientMsgId!: string;

  @ApiProperty({ minLength: 1, maxLength: CHAT_LIMITS.bodyMax, description: 'trimmed' })
  @Transform(trimmed)
  @IsString()
  @CharacterLength(1, CHAT_LIMITS.bodyMax)
  body!: string;

  @ApiPropertyOptional({
    minimum: 1,
    nullable: true,
    description: 'v1.1: the seq of the message replied to; null, as in a message view, for none',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(SEQ_MAX)
  replyToSeq?: number | null;
}

/** `POST /api/rooms/:id/read` */
export class ReadBody {
  @ApiProperty({ minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(SEQ_MAX)
  seq!: number;
}

/** `GET /api/rooms/:id/messages?afterSeq=&beforeSeq=&limit=` */
export class MessagePageQuery {
  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(SEQ_MAX)
  afterSeq?: number;

  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(SEQ_MAX)
  beforeSeq?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: CHAT_LIMITS.pageMax,
    default: CHAT_LIMITS.pageDefault,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(CHAT_LIMITS.pageMax)
  limit?: number;
}

/** Socket.IO `message:send` */
export class SendMessageEvent extends SendMessageBody implements SendMessagePayload {
  @IsId()
  roomId!: string;
}

/** Socket.IO `typing` */
export class TypingEvent implements TypingPayload {
  @IsId()
  roomId!: string;

  @IsBoolean()
  typing!: boolean;
}

/** Socket.IO `read` */
export class ReadEvent extends ReadBody implements ReadPayload {
  @IsId()
  roomId!: string;
}

/** Socket.IO `sync` */
export class SyncEvent implements SyncPayload {
  @IsId()
  roomId!: string;

  @IsInt()
  @Min(0)
  @Max(SEQ_MAX)
  afterSeq!: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(CHAT_LIMITS.syncMax)
  limit?: number;
}

export class ReactionDto implements ReactionView {
  @ApiProperty() emoji!: string;
  @ApiProperty({ type: [String], description: 'first reactor first' }) userIds!: string[];
}

export class MessageDto implements MessageView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) roomId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'uuid' }) senderId!: string;
  @ApiProperty() body!: string;
  @ApiProperty() clientMsgId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: "the room's version of this message's latest change" })
  version!: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) editedAt!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deletedAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) replyToSeq!: number | null;
  @ApiProperty({ type: [ReactionDto], description: 'in the order each emoji was first used' })
  reactions!: ReactionDto[];
  @ApiProperty({ type: [String], description: 'ids of the members named as @username' })
  mentions!: string[];
}

export class MessagePageDto {
  @ApiProperty({ type: [MessageDto] }) items!: MessageDto[];
  @ApiProperty() hasMore!: boolean;
}
