import { isUuid } from '@scale-chat/contracts';

/**
 * The one algorithm access tokens are signed with; verifiers accept no other. ES256
 * (ECDSA over P-256) is asymmetric and supported by `jsonwebtoken`, under both
 * `@nestjs/jwt` and `passport-jwt` (EdDSA is not).
 */
export const ACCESS_TOKEN_ALGORITHM = 'ES256';

export const DEFAULT_ISSUER = 'scale-chat-auth';
export const DEFAULT_AUDIENCE = 'scale-chat';

/**
 * Seconds a token is still accepted after its `exp`, for clocks a little apart: the same
 * over REST, at the Socket.IO handshake and for each event of an open socket.
 */
export const ACCESS_TOKEN_LEEWAY_SECONDS = 5;

/** What an access token says about its bearer, once verified. */
export interface VerifiedAccessToken {
  readonly userId: string;
  readonly username: string;
  /** The login (refresh-token family) the token belongs to; revoked as a whole. */
  readonly familyId: string;
  readonly tokenId: string;
  readonly expiresAt: Date;
  /** The account held the `admin` role when the token was issued (claim `adm`). */
  readonly admin: boolean;
}

export class InvalidAccessTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid access token: ${reason}`);
    this.name = 'InvalidAccessTokenError';
  }
}

/**
 * The token could not be checked at all: the keys (auth's JWKS) or the revocation list
 * are out of reach. Not the caller's fault: a 503 to try again, not a 401.
 */
export class AccessTokenCheckUnavailableError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`access tokens cannot be checked now: ${what}`, options);
    this.name = 'AccessTokenCheckUnavailableError';
  }
}

/** True once `token` is past its `exp` and the leeway. */
export function hasExpired(token: VerifiedAccessToken, now: number = Date.now()): boolean {
  return token.expiresAt.getTime() + ACCESS_TOKEN_LEEWAY_SECONDS * 1000 <= now;
}

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * The claims of a token whose signature, `iss` and `aud` have been checked: every claim
 * this system relies on must be there and well formed (`jsonwebtoken` checks `exp` only
 * when a token has one).
 */
export function readAccessTokenClaims(payload: unknown): VerifiedAccessToken {
  const { sub, username, fid, jti, exp, iat, adm } = (payload ?? {}) as Record<string, unknown>;
  if (!isNumber(exp)) throw new InvalidAccessTokenError('exp is missing');
  if (!isNumber(iat)) throw new InvalidAccessTokenError('iat is missing');
  if (!isUuid(sub)) throw new InvalidAccessTokenError('sub is not a user id');
  if (typeof username !== 'string' || username === '')
    throw new InvalidAccessTokenError('username is missing');
  if (!isUuid(fid)) throw new InvalidAccessTokenError('fid is not a family id');
  if (typeof jti !== 'string' || jti === '') throw new InvalidAccessTokenError('jti is missing');
  if (adm !== undefined && adm !== true) throw new InvalidAccessTokenError('adm is not true');
  return {
    userId: sub,
    username,
    familyId: fid,
    tokenId: jti,
    expiresAt: new Date(exp * 1000),
    admin: adm === true,
  };
}
