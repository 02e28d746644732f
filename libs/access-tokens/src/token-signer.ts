import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { ACCESS_TOKEN_ALGORITHM, DEFAULT_AUDIENCE, DEFAULT_ISSUER } from './claims';
import type { SigningKey } from './signing-key';

export interface AccessTokenSubject {
  readonly userId: string;
  readonly username: string;
  readonly familyId: string;
}

export interface SignerOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** Lifetime of a token. Default 15 minutes. */
  readonly ttlSeconds?: number;
}

/** Signs short-lived access tokens: `kid` in the header; `iss`, `aud`, `exp`, `jti` set. */
export class AccessTokenSigner {
  readonly ttlSeconds: number;
  private readonly issuer: string;
  private readonly audience: string;

  constructor(
    private readonly key: SigningKey,
    options: SignerOptions = {},
  ) {
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    this.audience = options.audience ?? DEFAULT_AUDIENCE;
    this.ttlSeconds = options.ttlSeconds ?? 900;
  }

  sign(subject: AccessTokenSubject, now: Date = new Date()): Promise<string> {
    const issuedAt = Math.floor(now.getTime() / 1000);
    return new SignJWT({ username: subject.username, fid: subject.familyId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, kid: this.key.kid, typ: 'JWT' })
      .setSubject(subject.userId)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.key.privateKey);
  }
}
