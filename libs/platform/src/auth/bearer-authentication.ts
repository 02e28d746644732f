import { Injectable } from '@nestjs/common';
import {
  AccessTokenCheckUnavailableError,
  InvalidAccessTokenError,
  type VerifiedAccessToken,
} from '@scale-chat/access-tokens';
import { AccessTokenStrategy } from './access-token.strategy';
import { runStrategy } from './own-authenticator';

/**
 * Runs `AccessTokenStrategy` on a bearer token: for REST (`AccessTokenGuard`) and for the
 * Socket.IO handshake alike, so both judge a token by the same code. Resolves with the
 * verified token; rejects with `InvalidAccessTokenError` (the token is refused) or
 * `AccessTokenCheckUnavailableError` (the keys or the revocation list are out of reach).
 */
@Injectable()
export class BearerAuthentication {
  constructor(private readonly strategy: AccessTokenStrategy) {}

  async verifyRequest(request: {
    readonly headers: { readonly authorization?: string };
  }): Promise<VerifiedAccessToken> {
    const outcome = await runStrategy<VerifiedAccessToken>(this.strategy, request);
    if ('user' in outcome) return outcome.user;
    // passport-jwt fails with what went wrong: jsonwebtoken's verdict, or the key lookup's error.
    const { refusal } = outcome;
    if (refusal instanceof AccessTokenCheckUnavailableError) throw refusal;
    throw new InvalidAccessTokenError(refusal instanceof Error ? refusal.message : 'refused');
  }

  /** A token handed over outside an `Authorization` header (the handshake's `auth.token`). */
  verifyToken(token: string): Promise<VerifiedAccessToken> {
    return this.verifyRequest({ headers: { authorization: `Bearer ${token}` } });
  }
}
