import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type ServiceDefinition } from '@scale-chat/platform';
import { readChatConfig, type ChatConfig } from './chat-config';
import { configureRealtime, RealtimeModule } from './realtime/realtime.module';

/** The chat-gateway service: rooms, messages and the Socket.IO gateway. */
@Module({})
export class AppModule {
  static register(config: ChatConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [PlatformModule.forService(config), RealtimeModule.register(config)],
    };
  }
}

export const chatGatewayService: ServiceDefinition<ChatConfig> = {
  service: 'chat-gateway',
  readConfig: readChatConfig,
  rootModule: (config) => AppModule.register(config),
  configure: configureRealtime,
};
