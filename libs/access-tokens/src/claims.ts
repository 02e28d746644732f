/** The one algorithm access tokens are signed with; verifiers accept no other. */
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';

export const DEFAULT_ISSUER = 'scale-chat-auth';
export const DEFAULT_AUDIENCE = 'scale-chat';

/** What an access token says about its bearer, once verified. */
export interface VerifiedAccessToken {
  readonly userId: string;
  readonly username: string;
  /** The login (refresh-token family) the token belongs to; revoked as a whole. */
  readonly familyId: string;
  readonly tokenId: string;
  readonly expiresAt: Date;
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
