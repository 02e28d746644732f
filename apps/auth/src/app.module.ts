import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type ServiceDefinition } from '@scale-chat/platform';
import { readAuthConfig, type AuthConfig } from './auth-config';
import { TokensModule } from './tokens/tokens.module';

/** The auth service: users, credentials and tokens. */
@Module({})
export class AppModule {
  static register(config: AuthConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config), TokensModule.register(config)],
    };
  }
}

export const authService: ServiceDefinition<AuthConfig> = {
  service: 'auth',
  readConfig: readAuthConfig,
  rootModule: (config) => AppModule.register(config),
};
