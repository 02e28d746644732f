import { Module, type DynamicModule } from '@nestjs/common';
import type { AuthConfig } from '../auth-config';
import { PasswordsModule } from '../passwords/passwords.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { LocalStrategy } from './local.strategy';
import { LoginsModule } from './logins.module';
import { PasswordGuessing } from './password-guessing';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

/** Logins, refresh-token rotation and logout; the tokens they hand out. */
@Module({})
export class SessionsModule {
  static register(config: AuthConfig): DynamicModule {
    const tokens = TokensModule.register(config);
    return {
      module: SessionsModule,
      imports: [LoginsModule, UsersModule, PasswordsModule, tokens],
      controllers: [SessionsController],
      providers: [SessionsService, PasswordGuessing, LocalStrategy],
      // The signing keys go on to the access-token checks (AuthenticationModule).
      exports: [SessionsService, tokens],
    };
  }
}
