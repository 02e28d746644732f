import { Module, type DynamicModule } from '@nestjs/common';
import {
  AUTH_LOGINS_TOPIC,
  AUTH_USERS_TOPIC,
  SAGA_REPLIES_TOPIC,
  SAGA_REQUESTS_TOPIC,
} from '@scale-chat/contracts';
import { PlatformModule, setUpOpenApi, type ServiceDefinition } from '@scale-chat/platform';
import { AuthenticationModule } from './authentication.module';
import { readAuthConfig, type AuthConfig } from './auth-config';
import { AuthSagasModule } from './sagas/auth-sagas.module';
import { SignupModule } from './signup/signup.module';
import { CreateUsersAndLogins1763900000000 } from './users/migrations/1763900000000-create-users-and-logins';
import { NotifyUserStatus1765200000000 } from './users/migrations/1765200000000-notify-user-status';
import { UserRoles1767100000000 } from './users/migrations/1767100000000-user-roles';
import { UserSearchKeys1768200000000 } from './users/migrations/1768200000000-user-search-keys';
import { UserSearchIndex1768200000001 } from './users/migrations/1768200000001-user-search-index';
import { PendingUsersByAge1768900000000 } from './users/migrations/1768900000000-pending-users-by-age';
import { UserSearchFoldsCaseAlike1769000000000 } from './users/migrations/1769000000000-user-search-folds-case-alike';
import { UsersModule } from './users/users.module';
import { LoginFamily, RefreshToken } from './sessions/login.entities';
import { LoginClientNetworks1769100000000 } from './sessions/migrations/1769100000000-login-client-networks';
import { User } from './users/user.entity';

/** The auth service: users, credentials and tokens. */
@Module({})
export class AppModule {
  static register(config: AuthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService(config, {
          entities: [User, LoginFamily, RefreshToken],
          migrations: [
            CreateUsersAndLogins1763900000000,
            NotifyUserStatus1765200000000,
            UserRoles1767100000000,
            UserSearchKeys1768200000000,
            UserSearchIndex1768200000001,
            PendingUsersByAge1768900000000,
            UserSearchFoldsCaseAlike1769000000000,
            LoginClientNetworks1769100000000,
          ],
          publishes: [AUTH_LOGINS_TOPIC, AUTH_USERS_TOPIC, SAGA_REQUESTS_TOPIC, SAGA_REPLIES_TOPIC],
        }),
        // With the sessions feature (and the tokens it hands out) inside.
        AuthenticationModule.register(config),
        UsersModule,
        SignupModule,
        AuthSagasModule,
      ],
    };
  }
}

export const authService: ServiceDefinition<AuthConfig> = {
  service: 'auth',
  readConfig: readAuthConfig,
  rootModule: (config) => AppModule.register(config),
  configure: (app) =>
    setUpOpenApi(app, {
      title: 'scale-chat auth',
      description:
        'Users and tokens (API.md). Access tokens verify with the keys of GET /api/auth/jwks.',
      path: 'api/auth/docs',
    }),
};
