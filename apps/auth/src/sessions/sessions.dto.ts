import { IsString, Length } from 'class-validator';
import type { UserView } from '../users/user.entity';

export class LoginRequest {
  @IsString()
  @Length(1, 128)
  username!: string;

  @IsString()
  @Length(1, 128)
  password!: string;
}

export class RefreshRequest {
  @IsString()
  @Length(1, 256)
  refreshToken!: string;
}

/** What login and refresh answer (API.md). */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: UserView;
}
