import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { QueryInteger } from '@scale-chat/platform';

/** `GET /api/users?query=&limit=` */
export class SearchUsersQuery {
  @ApiPropertyOptional({
    description:
      'username prefix, or prefix of a word of the display name (case-insensitive, any script); outside the username alphabet, display names only',
  })
  @IsOptional()
  @IsString()
  query?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 20 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(50)
  limit?: number;
}
