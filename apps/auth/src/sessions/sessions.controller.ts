import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  byClientAddress,
  byUsernameAndClientAddress,
  RateLimited,
  RateLimitGuard,
  type RateLimitRule,
} from '@scale-chat/platform';
import type { TokenPair } from '@scale-chat/contracts';
import { LoginRequest, RefreshRequest, TokenPairDto } from './sessions.dto';
import { LocalLoginGuard, type LoggedInRequest } from './local-login.guard';
import { clientNetworkOf } from './local.strategy';
import { SessionsService } from './sessions.service';

const MINUTE = 60_000;
/**
 * Guessing passwords: a handful per account and client, a few dozen per client, each
 * minute. Counted per account *and* client, so a stranger's failures never lock the
 * owner out from the owner's own address (OWASP's advice against lockout by others).
 */
const LOGIN_PER_CLIENT: RateLimitRule = {
  name: 'login-client',
  limit: 60,
  windowMs: MINUTE,
  key: byClientAddress,
};
const LOGIN_PER_ACCOUNT_AND_CLIENT: RateLimitRule = {
  name: 'login-account-client',
  limit: 10,
  windowMs: MINUTE,
  key: byUsernameAndClientAddress,
};
const REFRESH_PER_CLIENT: RateLimitRule = {
  name: 'refresh-client',
  limit: 120,
  windowMs: MINUTE,
  key: byClientAddress,
};

@ApiTags('auth')
@ApiTooManyRequestsResponse({ description: 'rate limit reached; see Retry-After' })
@Controller('api/auth')
@UseGuards(RateLimitGuard)
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @RateLimited(LOGIN_PER_CLIENT, LOGIN_PER_ACCOUNT_AND_CLIENT)
  @UseGuards(LocalLoginGuard)
  @ApiOkResponse({ type: TokenPairDto })
  @ApiUnauthorizedResponse({ description: 'wrong username or password (one answer for both)' })
  @ApiForbiddenResponse({ description: 'account not active' })
  // The body is read by LocalLoginGuard; declared here for validation and OpenAPI.
  login(@Body() _body: LoginRequest, @Req() request: LoggedInRequest): Promise<TokenPair> {
    return this.sessions.login(request.user, clientNetworkOf(request));
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @RateLimited(REFRESH_PER_CLIENT)
  @ApiOkResponse({
    type: TokenPairDto,
    description: 'a new pair; the presented token stops working',
  })
  @ApiUnauthorizedResponse({
    description: 'unknown, expired or already rotated (the login is then revoked)',
  })
  refresh(@Body() body: RefreshRequest): Promise<TokenPair> {
    return this.sessions.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @RateLimited(REFRESH_PER_CLIENT)
  @ApiNoContentResponse({ description: "that login's tokens stop working" })
  logout(@Body() body: RefreshRequest): Promise<void> {
    return this.sessions.logout(body.refreshToken);
  }
}
