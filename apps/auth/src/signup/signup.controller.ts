import { Body, Controller, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { byClientAddress, RateLimited, RateLimitGuard } from '@scale-chat/platform';
import type { ServerResponse } from 'node:http';
import type { UserView } from '@scale-chat/contracts';
import { UserDto } from '../users/user.entity';
import { SignupRequest } from './signup.dto';
import { SignupService } from './signup.service';

@ApiTags('auth')
@Controller('api/auth/signup')
@UseGuards(RateLimitGuard)
export class SignupController {
  constructor(private readonly signups: SignupService) {}

  @Post()
  @RateLimited({
    name: 'signup-client',
    limit: 20,
    limitFrom: 'SIGNUP_RATE_LIMIT_PER_MINUTE',
    windowMs: 60_000,
    key: byClientAddress,
  })
  @ApiCreatedResponse({
    type: UserDto,
    description: 'the signup saga finished: the user is active',
  })
  @ApiAcceptedResponse({ type: UserDto, description: 'still pending after the wait' })
  @ApiConflictResponse({ description: 'username taken' })
  @ApiServiceUnavailableResponse({ description: 'the saga failed; the username is free again' })
  async signup(
    @Body() body: SignupRequest,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<UserView> {
    const outcome = await this.signups.signup(body);
    response.statusCode = outcome.finished ? HttpStatus.CREATED : HttpStatus.ACCEPTED;
    return outcome.user;
  }
}
