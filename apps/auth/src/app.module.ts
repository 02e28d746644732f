import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type ServiceConfig } from '@scale-chat/platform';

/** The auth service: users, credentials and tokens. */
@Module({})
export class AppModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forService(config)] };
  }
}
