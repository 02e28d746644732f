import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { TokenPair, UserView } from '@scale-chat/contracts';
import { UserDto } from '../users/user.entity';

export class LoginRequest {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'ann' })
  @IsString()
  @Length(1, 128)
  username!: string;

  // validator.js' count, which signups were checked by until 2026-12-06 (it skips a
  // variation selector): a password it let through, up to 256 code points, still logs in.
  @ApiProperty({ minLength: 1, maxLength: 128, format: 'password' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

export class RefreshRequest {
  // A token that does not work, whatever its length (an access token sent here by
  // mistake is some 500 characters), is 401 as any other; the bound keeps it a token.
  @ApiProperty({ minLength: 1, maxLength: 4_096 })
  @IsString()
  @Length(1, 4_096)
  refreshToken!: string;
}

/** What login and refresh answer (API.md), for OpenAPI. */
@ApiSchema({ name: 'TokenPair' })
export class TokenPairDto implements TokenPair {
  @ApiProperty({ description: 'ES256 JWT; send as Authorization: Bearer <accessToken>' })
  accessToken!: string;

  @ApiProperty({ description: 'opaque; rotated on every refresh' })
  refreshToken!: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';

  @ApiProperty({ description: 'seconds until the access token expires', example: 900 })
  expiresIn!: number;

  @ApiProperty({ type: UserDto })
  user!: UserView;
}
