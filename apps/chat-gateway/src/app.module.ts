import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type ServiceConfig } from '@scale-chat/platform';

/** The chat-gateway service: rooms, messages and the Socket.IO gateway. */
@Module({})
export class AppModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forService(config)] };
  }
}
