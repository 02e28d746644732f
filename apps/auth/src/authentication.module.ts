import { Global, Module, type DynamicModule } from '@nestjs/common';
import {
  ACCESS_TOKEN_AUTHENTICATION,
  ACCESS_TOKEN_CHECKS,
  type AccessTokenChecks,
} from '@scale-chat/platform';
import type { AuthConfig } from './auth-config';
import { SessionsModule } from './sessions/sessions.module';
import { SessionsService } from './sessions/sessions.service';
import { localKeys } from './tokens/local-keys';
import { SIGNING_KEYS, type SigningKeys } from './tokens/signing-keys';

/**
 * Access tokens checked for every feature's guarded routes: auth verifies its own tokens
 * with its own keys, and knows revocations at once. Global, so that the features the
 * sessions depend on (users) can guard their routes without importing sessions back.
 */
@Global()
@Module({})
export class AuthenticationModule {
  static register(config: AuthConfig): DynamicModule {
    return {
      module: AuthenticationModule,
      imports: [SessionsModule.register(config)],
      providers: [
        {
          provide: ACCESS_TOKEN_CHECKS,
          inject: [SIGNING_KEYS, SessionsService],
          useFactory: (keys: SigningKeys, sessions: SessionsService): AccessTokenChecks => ({
            keys: localKeys([keys.current, ...keys.previous]),
            issuer: config.extra.TOKEN_ISSUER,
            audience: config.extra.TOKEN_AUDIENCE,
            isFamilyRevoked: (familyId) => sessions.isFamilyRevoked(familyId),
          }),
        },
        ...ACCESS_TOKEN_AUTHENTICATION,
      ],
      exports: ACCESS_TOKEN_AUTHENTICATION,
    };
  }
}
