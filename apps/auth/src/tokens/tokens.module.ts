import { Module, type DynamicModule } from '@nestjs/common';
import { AccessTokenSigner } from '@scale-chat/access-tokens';
import type { AuthConfig } from '../auth-config';
import { JwksController } from './jwks.controller';
import { loadSigningKeys, SIGNING_KEYS, type SigningKeys } from './signing-keys';

/** Access tokens: the signing keys, the signer, and the JWKS that other services verify with. */
@Module({})
export class TokensModule {
  static register(config: AuthConfig): DynamicModule {
    return {
      module: TokensModule,
      controllers: [JwksController],
      providers: [
        { provide: SIGNING_KEYS, useFactory: () => loadSigningKeys(config) },
        {
          provide: AccessTokenSigner,
          inject: [SIGNING_KEYS],
          useFactory: (keys: SigningKeys) =>
            new AccessTokenSigner(keys.current, {
              issuer: config.extra.TOKEN_ISSUER,
              audience: config.extra.TOKEN_AUDIENCE,
              ttlSeconds: config.extra.ACCESS_TOKEN_TTL_SECONDS,
            }),
        },
      ],
      exports: [AccessTokenSigner, SIGNING_KEYS],
    };
  }
}
