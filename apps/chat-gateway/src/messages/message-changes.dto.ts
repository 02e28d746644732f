import { BadRequestException, NotFoundException, type PipeTransform } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, IntersectionType, PickType } from '@nestjs/swagger';
import { IsId, QueryInteger } from '@scale-chat/platform';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, ValidateBy } from 'class-validator';
import {
  canonicalEmoji,
  isEmoji,
  MESSAGE_CHANGE_LIMITS,
  type ChangesPage,
  type EditMessagePayload,
  type MessageRefPayload,
  type ReactionPayload,
  type SyncByVersionPayload,
} from '@scale-chat/contracts';
import { MessageDto, SendMessageBody } from './messages.dto';

const VERSION_MAX = Number.MAX_SAFE_INTEGER;
const EMOJI_RULE = 'emoji must be one emoji (an Extended_Pictographic grapheme cluster or a flag)';

/** `:seq` of a path: one that is not a whole number from 1 names no message (404). */
export const MESSAGE_SEQ = {
  transform(value: string): number {
    const seq = /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(seq)) throw new NotFoundException('Message not found');
    return seq;
  },
} satisfies PipeTransform<string, number>;

/** `:emoji` of a path (Express has decoded it): one emoji, in its one form, else 400. */
export const EMOJI = {
  transform(value: string): string {
    if (!isEmoji(value)) throw new BadRequestException(EMOJI_RULE);
    return canonicalEmoji(value);
  },
} satisfies PipeTransform<string, string>;

/** `PATCH /api/rooms/:id/messages/:seq`: the body's rules are the send's. */
export class EditMessageBody extends PickType(SendMessageBody, ['body'] as const) {}

/** `GET /api/rooms/:id/changes?afterVersion=&limit=` */
export class ChangesQuery {
  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(VERSION_MAX)
  afterVersion?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: MESSAGE_CHANGE_LIMITS.changesMax,
    default: MESSAGE_CHANGE_LIMITS.changesDefault,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MESSAGE_CHANGE_LIMITS.changesMax)
  limit?: number;
}

export class ChangesPageDto implements ChangesPage {
  @ApiProperty({ type: [MessageDto], description: 'ascending version, each message once' })
  items!: MessageDto[];
  @ApiProperty() hasMore!: boolean;
  @ApiProperty({ description: "the room's latest version" }) lastVersion!: number;
}

/** Socket.IO `message:delete`; the base of the other events on one message. */
export class MessageRefEvent implements MessageRefPayload {
  @IsId()
  roomId!: string;

  @IsInt()
  @Min(1)
  @Max(VERSION_MAX)
  seq!: number;
}

/** Socket.IO `message:edit` */
export class EditMessageEvent
  extends IntersectionType(MessageRefEvent, EditMessageBody)
  implements EditMessagePayload {}

/** Socket.IO `reaction:add` and `reaction:remove` */
export class ReactionEvent extends MessageRefEvent implements ReactionPayload {
  // In its one form, as the REST path's (`EMOJI`); still an emoji, checked below.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && isEmoji(value) ? canonicalEmoji(value) : value,
  )
  @IsString()
  @ValidateBy(
    {
      name: 'isEmoji',
      validator: { validate: (value) => typeof value === 'string' && isEmoji(value) },
    },
    { message: EMOJI_RULE },
  )
  emoji!: string;
}

/** Socket.IO `sync` by `afterVersion` (v1.1), answered as `GET …/changes`. */
export class SyncByVersionEvent implements SyncByVersionPayload {
  @IsId()
  roomId!: string;

  @IsInt()
  @Min(0)
  @Max(VERSION_MAX)
  afterVersion!: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MESSAGE_CHANGE_LIMITS.changesMax)
  limit?: number;
}
