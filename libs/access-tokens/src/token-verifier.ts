import { isUuid } from '@scale-chat/contracts';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import {
  AccessTokenCheckUnavailableError,
  ACCESS_TOKEN_ALGORITHM,
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  InvalidAccessTokenError,
  type VerifiedAccessToken,
} from './claims';

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export interface VerifierOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds of clock difference tolerated on `exp` and `iat`. Default 5. */
  readonly clockToleranceSeconds?: number;
  /** True when the login the token belongs to has been revoked (logout, theft). */
  readonly isFamilyRevoked?: (familyId: string) => boolean | Promise<boolean>;
}

/**
 * Verifies access tokens with the public keys only: EdDSA and nothing else (so `none`
 * and HMAC tokens signed with a public key fail), the key chosen by `kid`, issuer and
 * audience checked, every claim this system relies on present and well formed.
 */
export class AccessTokenVerifier {
  private readonly issuer: string;
  private readonly audience: string;

  private constructor(
    private readonly keys: KeySet,
    private readonly options: VerifierOptions,
  ) {
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.audience = options.audience ?? DEFAULT_AUDIENCE;
  }

  /**
   * Keys from auth's JWKS endpoint, cached; an unknown `kid` fetches the set again (at
   * most every 30 s), so a rotated key is picked up without a restart.
   */
  static fromJwksUrl(url: string, options: VerifierOptions = {}): AccessTokenVerifier {
    return new AccessTokenVerifier(
      createRemoteJWKSet(new URL(url), {
        cooldownDuration: 30_000,
        cacheMaxAge: 600_000,
        timeoutDuration: 5_000,
      }),
      options,
    );
  }

  private async isRevoked(familyId: string): Promise<boolean> {
    try {
      return (await this.options.isFamilyRevoked?.(familyId)) === true;
    } catch (error) {
      throw new AccessTokenCheckUnavailableError('the revocation list is out of reach', {
        cause: error,
      });
    }
  }

  static fromKeySet(jwks: JSONWebKeySet, options: VerifierOptions = {}): AccessTokenVerifier {
    return new AccessTokenVerifier(createLocalJWKSet(jwks) as KeySet, options);
  }

  async verify(token: string): Promise<VerifiedAccessToken> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.issuer,
        audience: this.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        typ: 'JWT',
      }));
    } catch (error) {
      // jose's own errors judge the token; anything else (fetch failed) or a JWKS that
      // timed out or made no sense says the keys are out of reach.
      if (
        !(error instanceof errors.JOSEError) ||
        error instanceof errors.JWKSTimeout ||
        error instanceof errors.JWKSInvalid
      )
        throw new AccessTokenCheckUnavailableError('the public keys are out of reach', {
          cause: error,
        });
      throw new InvalidAccessTokenError(describeFailure(error));
    }
    const { sub, username, fid, jti, exp } = payload;
    if (!isUuid(sub)) throw new InvalidAccessTokenError('sub is not a user id');
    if (typeof username !== 'string' || username === '')
      throw new InvalidAccessTokenError('username is missing');
    if (!isUuid(fid)) throw new InvalidAccessTokenError('fid is not a family id');
    if (await this.isRevoked(fid)) throw new InvalidAccessTokenError('the login was revoked');
    return {
      userId: sub,
      username,
      familyId: fid,
      tokenId: String(jti),
      expiresAt: new Date((exp ?? 0) * 1000),
    };
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} is not valid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key matches its kid';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed';
  if (error instanceof errors.JOSEError) return error.code;
  return 'could not be verified';
}
