import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { ParsedEnv } from '../config';
import { jwksAuthenticationProviders, type ACCESS_TOKEN_VERIFIER_ENV } from './access-token-env';
import { RevokedLoginsModule } from './revoked-logins';

/**
 * Access tokens checked against auth's JWKS (`AccessTokenGuard`, the Socket.IO handshake)
 * and the service's record of revoked logins (`RevokedLogins`, exported too) for every
 * feature of a service other than auth. Global and registered once by the service's root
 * module: one JWKS cache per instance, not one per feature module.
 */
@Global()
@Module({})
export class JwksAuthenticationModule {
  static register(config: {
    readonly extra: ParsedEnv<typeof ACCESS_TOKEN_VERIFIER_ENV>;
  }): DynamicModule {
    const providers = jwksAuthenticationProviders(config);
    return {
      module: JwksAuthenticationModule,
      imports: [RevokedLoginsModule],
      providers,
      exports: [...providers, RevokedLoginsModule],
    };
  }
}
