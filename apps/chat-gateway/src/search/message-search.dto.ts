import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CharacterLength, IsId, QueryInteger } from '@scale-chat/platform';
import { IsDefined, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

/** API.md v1.1's limits of `GET /api/messages/search`. */
export const SEARCH_LIMITS = { queryMin: 2, queryMax: 100, pageDefault: 20, pageMax: 50 } as const;

/** `GET /api/messages/search?query=&roomId=&limit=&before=` */
export class SearchMessagesQuery {
  @ApiProperty({
    minLength: SEARCH_LIMITS.queryMin,
    maxLength: SEARCH_LIMITS.queryMax,
    description: 'a substring of the body, case-insensitive, any script',
    example: '점심',
  })
  // `query=` is absent (EmptyQueryValuesAbsentPipe): said so, not "must be a string".
  @IsDefined({
    message: `query is required: ${SEARCH_LIMITS.queryMin} to ${SEARCH_LIMITS.queryMax} characters`,
  })
  @IsString()
  // A line break or a tab may be searched for, as bodies hold them; a NUL is refused for
  // every request (RejectNulCharactersPipe).
  @CharacterLength(SEARCH_LIMITS.queryMin, SEARCH_LIMITS.queryMax)
  query!: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'only this room (the caller must be in it)' })
  @IsOptional()
  @IsId()
  roomId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: SEARCH_LIMITS.pageMax,
    default: SEARCH_LIMITS.pageDefault,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(SEARCH_LIMITS.pageMax)
  limit?: number;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'the id of the last message of the previous page: the next, older ones',
  })
  @IsOptional()
  @IsId()
  before?: string;
}
