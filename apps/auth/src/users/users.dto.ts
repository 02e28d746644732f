import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

/** `GET /api/users?query=&limit=` */
export class SearchUsersQuery {
  @ApiPropertyOptional({
    description:
      'username prefix, or prefix of a word of the display name (case-insensitive, any script); outside the username alphabet, display names only',
    maxLength: 64,
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^\P{Cc}*$/u, { message: 'query must not contain control characters' })
  query?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}
