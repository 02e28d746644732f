import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import {
  AccessTokenCheckUnavailableError,
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_LEEWAY_SECONDS,
  InvalidAccessTokenError,
  readAccessTokenClaims,
  type VerifiedAccessToken,
} from '@scale-chat/access-tokens';
import { ExtractJwt, Strategy, type SecretOrKeyProvider } from 'passport-jwt';
import { ownAuthenticator } from './own-authenticator';

/** What a service checks access tokens against. */
export interface AccessTokenChecks {
  /** The public key of a token's `kid` (auth's JWKS, or auth's own keys), or none. */
  readonly keys: SecretOrKeyProvider;
  readonly issuer: string;
  readonly audience: string;
  /** True when the login the token belongs to has been revoked (logout, theft, deletion). */
  readonly isFamilyRevoked: (familyId: string) => Promise<boolean>;
}

export const ACCESS_TOKEN_CHECKS = Symbol('ACCESS_TOKEN_CHECKS');

/**
 * `passport-jwt` verifies the bearer's token: ES256 and nothing else (so `none`, HMAC
 * keyed with the public key, RS256 and EdDSA all fail), the key chosen by `kid`, `iss`
 * and `aud` demanded, `exp` checked with the one leeway. `validate` then demands every
 * claim this system relies on (an `exp` among them) and checks that the login was not
 * revoked.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy) {
  constructor(@Inject(ACCESS_TOKEN_CHECKS) private readonly checks: AccessTokenChecks) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: checks.keys,
      algorithms: [ACCESS_TOKEN_ALGORITHM],
      issuer: checks.issuer,
      audience: checks.audience,
      jsonWebTokenOptions: { clockTolerance: ACCESS_TOKEN_LEEWAY_SECONDS },
    });
  }

  getPassportInstance(): ReturnType<typeof ownAuthenticator> {
    return ownAuthenticator(this);
  }

  async validate(payload: unknown): Promise<VerifiedAccessToken> {
    const token = readAccessTokenClaims(payload);
    let revoked: boolean;
    try {
      revoked = await this.checks.isFamilyRevoked(token.familyId);
    } catch (error) {
      throw new AccessTokenCheckUnavailableError('the revocation list is out of reach', {
        cause: error,
      });
    }
    if (revoked) throw new InvalidAccessTokenError('the login was revoked');
    return token;
  }
}
