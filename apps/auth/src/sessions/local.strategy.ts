import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { byClientAddress, ownAuthenticator, type RateLimitedRequest } from '@scale-chat/platform';
import { Strategy } from 'passport-local';
import type { User } from '../users/user.entity';
import { SessionsService } from './sessions.service';

/** The client's network, as the rate limits count it (its address behind the edge). */
export const clientNetworkOf = (request: RateLimitedRequest): string =>
  byClientAddress(request) ?? '';

/**
 * `passport-local`: a username and password from the body, checked with argon2id by
 * `SessionsService.authenticate` (one answer, in about the same time, for an unknown user
 * and a wrong password; 403 for an account that is not active).
 */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly sessions: SessionsService) {
    super({ passReqToCallback: true });
  }

  getPassportInstance(): ReturnType<typeof ownAuthenticator> {
    return ownAuthenticator(this);
  }

  validate(request: RateLimitedRequest, username: string, password: string): Promise<User> {
    return this.sessions.authenticate(username, password, clientNetworkOf(request));
  }
}
