import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AuthConfig } from '../auth-config';
import { PasswordsModule } from '../passwords/passwords.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { LocalStrategy } from './local.strategy';
import { LoginFamily, RefreshToken } from './login.entities';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Logins, refresh-token rotation and logout; the tokens they hand out. */
@Module({})
export class SessionsModule {
  static register(config: AuthConfig): DynamicModule {
    const tokens = TokensModule.register(config);
    return {
      module: SessionsModule,
      imports: [
        TypeOrmModule.forFeature([LoginFamily, RefreshToken]),
        UsersModule,
        PasswordsModule,
        tokens,
      ],
      controllers: [SessionsController],
      providers: [SessionsRepository, SessionsService, LocalStrategy],
      // The signing keys go on to the access-token checks (AuthenticationModule).
      exports: [SessionsService, tokens],
    };
  }
}
