import type { Provider } from '@nestjs/common';
import { AccessTokenVerifier, DEFAULT_AUDIENCE, DEFAULT_ISSUER } from '@scale-chat/access-tokens';
import { SERVICES } from '@scale-chat/contracts';
import { DataSource } from 'typeorm';
import { httpUrl, text, type ParsedEnv } from '../config';
import { isLoginRevoked } from './revoked-logins';

const TOKEN_TEXT = /^[\x21-\x7e]{1,200}$/;

/** `iss` and `aud` of access tokens: auth sets them, everyone else demands them. */
export const TOKEN_CLAIMS_ENV = {
  TOKEN_ISSUER: text(TOKEN_TEXT, 'printable ASCII without spaces', { default: DEFAULT_ISSUER }),
  TOKEN_AUDIENCE: text(TOKEN_TEXT, 'printable ASCII without spaces', { default: DEFAULT_AUDIENCE }),
};

/** What a service that verifies access tokens (any but auth) reads: where the keys are. */
export const ACCESS_TOKEN_VERIFIER_ENV = {
  AUTH_JWKS_URL: httpUrl({ default: `http://127.0.0.1:${SERVICES.auth.ports[0]}/api/auth/jwks` }),
  ...TOKEN_CLAIMS_ENV,
};

/**
 * The verifier of a service that checks access tokens against auth's JWKS and its own
 * record of revoked logins: the service must also have `RevokedLogin` and its migration,
 * and record revocations (`RevokedLoginsRecorder` or `revokedLoginsConsumer`).
 */
export function jwksVerifierProvider(config: {
  readonly extra: ParsedEnv<typeof ACCESS_TOKEN_VERIFIER_ENV>;
}): Provider {
  return {
    provide: AccessTokenVerifier,
    inject: [DataSource],
    useFactory: (dataSource: DataSource) =>
      AccessTokenVerifier.fromJwksUrl(config.extra.AUTH_JWKS_URL, {
        issuer: config.extra.TOKEN_ISSUER,
        audience: config.extra.TOKEN_AUDIENCE,
        isFamilyRevoked: (familyId) => isLoginRevoked(dataSource, familyId),
      }),
  };
}
