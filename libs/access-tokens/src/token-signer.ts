import { randomUUID } from 'node:crypto';
import { JwtService, type JwtModuleOptions } from '@nestjs/jwt';
import { ACCESS_TOKEN_ALGORITHM, DEFAULT_AUDIENCE, DEFAULT_ISSUER } from './claims';
import type { SigningKey } from './signing-key';

export interface AccessTokenSubject {
  readonly userId: string;
  readonly username: string;
  readonly familyId: string;
  /** Adds the `adm` claim: the account holds the `admin` role. */
  readonly admin?: boolean;
}

export interface SignerOptions {
  readonly issuer?: string;
  readonly audience?: string;
  /** Lifetime of a token. Default 15 minutes. */
  readonly ttlSeconds?: number;
}

const DEFAULT_TTL_SECONDS = 900;

/** `@nestjs/jwt`'s options that sign access tokens with `key`: ES256, `kid`, `iss`, `aud`, `exp`. */
export function accessTokenJwtOptions(
  key: SigningKey,
  options: SignerOptions = {},
): JwtModuleOptions {
  return {
    privateKey: key.privateKeyPem,
    signOptions: {
      algorithm: ACCESS_TOKEN_ALGORITHM,
      keyid: key.kid,
      issuer: options.issuer ?? DEFAULT_ISSUER,
      audience: options.audience ?? DEFAULT_AUDIENCE,
      expiresIn: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    },
  };
}

/** Signs short-lived access tokens with `@nestjs/jwt`'s `JwtService` (options above). */
export class AccessTokenSigner {
  constructor(
    private readonly jwt: JwtService,
    readonly ttlSeconds: number = DEFAULT_TTL_SECONDS,
  ) {}

  /** A signer of its own `JwtService`, for tests and tools that sign outside auth. */
  static forKey(key: SigningKey, options: SignerOptions = {}): AccessTokenSigner {
    return new AccessTokenSigner(
      new JwtService(accessTokenJwtOptions(key, options)),
      options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    );
  }

  /** `now` moves `iat` (and so `exp`): tests sign tokens that have already expired. */
  sign(subject: AccessTokenSubject, now: Date = new Date()): Promise<string> {
    return this.jwt.signAsync(
      {
        username: subject.username,
        fid: subject.familyId,
        ...(subject.admin === true ? { adm: true } : {}),
        iat: Math.floor(now.getTime() / 1000),
      },
      { subject: subject.userId, jwtid: randomUUID() },
    );
  }
}
