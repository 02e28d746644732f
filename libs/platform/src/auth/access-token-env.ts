import type { Provider } from '@nestjs/common';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '@scale-chat/access-tokens';
import { SERVICES } from '@scale-chat/contracts';
import { httpUrl, integer, text, type ParsedEnv } from '../config';
import {
  ACCESS_TOKEN_CHECKS,
  AccessTokenStrategy,
  type AccessTokenChecks,
} from './access-token.strategy';
import { BearerAuthentication } from './bearer-authentication';
import { jwksKeys } from './jwks-keys';
import { RevokedLogins } from './revoked-logins';

const TOKEN_TEXT = /^[\x21-\x7e]{1,200}$/;

/** `iss` and `aud` of access tokens: auth sets them, everyone else demands them. */
export const TOKEN_CLAIMS_ENV = {
  TOKEN_ISSUER: text(TOKEN_TEXT, 'printable ASCII without spaces', { default: DEFAULT_ISSUER }),
  TOKEN_AUDIENCE: text(TOKEN_TEXT, 'printable ASCII without spaces', { default: DEFAULT_AUDIENCE }),
};

/** What a service that verifies access tokens (any but auth) reads: where the keys are. */
export const ACCESS_TOKEN_VERIFIER_ENV = {
  AUTH_JWKS_URL: httpUrl({ default: `http://127.0.0.1:${SERVICES.auth.ports[0]}/api/auth/jwks` }),
  /** How long a fetched public key is trusted before the set is read again. */
  AUTH_JWKS_CACHE_SECONDS: integer({ min: 1, max: 3_600 }, { default: 300 }),
  /** Fetches of the set a minute, at most, for kids not in the cache. */
  AUTH_JWKS_FETCHES_PER_MINUTE: integer({ min: 1, max: 10_000 }, { default: 10 }),
  ...TOKEN_CLAIMS_ENV,
};

/** The strategy, and what runs it for guards and handshakes; a service adds `ACCESS_TOKEN_CHECKS`. */
export const ACCESS_TOKEN_AUTHENTICATION: Provider[] = [AccessTokenStrategy, BearerAuthentication];

/**
 * Access-token authentication of a service that checks tokens against auth's JWKS and
 * its own record of revoked logins (`RevokedLogins`, which `RevokedLoginsModule` gives):
 * the service must also have `RevokedLogin` and its migration, and record revocations
 * (`RevokedLoginsController`, or a handler of `LOGIN_REVOCATIONS` that calls
 * `RevokedLogins.record`).
 */
export function jwksAuthenticationProviders(config: {
  readonly extra: ParsedEnv<typeof ACCESS_TOKEN_VERIFIER_ENV>;
}): Provider[] {
  return [
    {
      provide: ACCESS_TOKEN_CHECKS,
      inject: [RevokedLogins],
      useFactory: (revokedLogins: RevokedLogins): AccessTokenChecks => ({
        keys: jwksKeys(config.extra.AUTH_JWKS_URL, {
          cacheSeconds: config.extra.AUTH_JWKS_CACHE_SECONDS,
          fetchesPerMinute: config.extra.AUTH_JWKS_FETCHES_PER_MINUTE,
        }),
        issuer: config.extra.TOKEN_ISSUER,
        audience: config.extra.TOKEN_AUDIENCE,
        isFamilyRevoked: (familyId) => revokedLogins.isRevoked(familyId),
      }),
    },
    ...ACCESS_TOKEN_AUTHENTICATION,
  ];
}
