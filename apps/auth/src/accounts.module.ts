import { Module, type DynamicModule } from '@nestjs/common';
import {
  ACCESS_TOKEN_AUTHENTICATION,
  ACCESS_TOKEN_CHECKS,
  type AccessTokenChecks,
} from '@scale-chat/platform';
import type { AuthConfig } from './auth-config';
import { PasswordHasher } from './passwords/password-hasher';
import { SessionsController } from './sessions/sessions.controller';
import { LocalStrategy } from './sessions/local.strategy';
import { SessionsService } from './sessions/sessions.service';
import { AuthSagaController } from './auth-saga-participant';
import { SignupController } from './signup/signup.controller';
import { SignupService } from './signup/signup.service';
import { localKeys } from './tokens/local-keys';
import { SIGNING_KEYS, type SigningKeys } from './tokens/signing-keys';
import { TokensModule } from './tokens/tokens.module';
import { AccountDeletionService } from './users/account-deletion.service';
import { UsersController } from './users/users.controller';
import { UsersService } from './users/users.service';

/** Users, their logins and the REST endpoints of API.md for both. */
@Module({})
export class AccountsModule {
  static register(config: AuthConfig): DynamicModule {
    return {
      module: AccountsModule,
      imports: [TokensModule.register(config)],
      controllers: [SessionsController, UsersController, SignupController, AuthSagaController],
      providers: [
        PasswordHasher,
        SignupService,
        AccountDeletionService,
        UsersService,
        SessionsService,
        LocalStrategy,
        {
          // auth verifies its own tokens with its own keys, and knows revocations at once.
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
    };
  }
}
