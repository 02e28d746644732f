import { Module, type DynamicModule } from '@nestjs/common';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { accessTokenJwtOptions, AccessTokenSigner } from '@scale-chat/access-tokens';
import type { AuthConfig } from '../auth-config';
import { JwksController } from './jwks.controller';
import { loadSigningKeys, SIGNING_KEYS, type SigningKeys } from './signing-keys';

/** The signing keys, read once, for the JWT module and the JWKS alike. */
@Module({})
class SigningKeysModule {
  static register(config: AuthConfig): DynamicModule {
    return {
      module: SigningKeysModule,
      providers: [{ provide: SIGNING_KEYS, useFactory: () => loadSigningKeys(config) }],
      exports: [SIGNING_KEYS],
    };
  }
}

/**
 * Access tokens: `@nestjs/jwt` signs them with the current key, and the JWKS publishes
 * the current and previous keys that other services verify with.
 */
@Module({})
export class TokensModule {
  static register(config: AuthConfig): DynamicModule {
    const keys = SigningKeysModule.register(config);
    return {
      module: TokensModule,
      imports: [
        keys,
        JwtModule.registerAsync({
          imports: [keys],
          inject: [SIGNING_KEYS],
          useFactory: ({ current }: SigningKeys) =>
            accessTokenJwtOptions(current, {
              issuer: config.extra.TOKEN_ISSUER,
              audience: config.extra.TOKEN_AUDIENCE,
              ttlSeconds: config.extra.ACCESS_TOKEN_TTL_SECONDS,
            }),
        }),
      ],
      controllers: [JwksController],
      providers: [
        {
          provide: AccessTokenSigner,
          inject: [JwtService],
          useFactory: (jwt: JwtService) =>
            new AccessTokenSigner(jwt, config.extra.ACCESS_TOKEN_TTL_SECONDS),
        },
      ],
      exports: [AccessTokenSigner, keys],
    };
  }
}
