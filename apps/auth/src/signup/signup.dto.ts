import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CharacterLength, VisibleName } from '@scale-chat/platform';
import { IsOptional, IsString, Length, Matches } from 'class-validator';

export class SignupRequest {
  @ApiProperty({
    minLength: 3,
    maxLength: 32,
    pattern: '^[A-Za-z0-9_.-]+$',
    description: 'stored lower-case',
  })
  @IsString()
  @Length(3, 32)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'username may contain only letters, digits, _ . and -' })
  username!: string;

  @ApiProperty({ minLength: 8, maxLength: 128, format: 'password' })
  @IsString()
  @CharacterLength(8, 128)
  password!: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 64,
    description: 'defaults to the username, also when it is spaces alone',
  })
  @IsOptional()
  @IsString()
  @CharacterLength(1, 64)
  @VisibleName()
  displayName?: string;
}
