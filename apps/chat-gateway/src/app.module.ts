import { Module, type DynamicModule } from '@nestjs/common';
import {
  PlatformModule,
  SagaParticipantModule,
  type ServiceDefinition,
} from '@scale-chat/platform';
import { SAGA_REPLIES_TOPIC } from '@scale-chat/contracts';
import { readChatConfig, type ChatConfig } from './chat-config';
import { CreateProfiles1763960000000 } from './database/1763960000000-create-profiles';
import { chatSagaParticipant } from './profiles/chat-saga-participant';
import { ChatProfile } from './profiles/profile.entity';
import { configureRealtime, RealtimeModule } from './realtime/realtime.module';

/** The chat-gateway service: rooms, messages and the Socket.IO gateway. */
@Module({})
export class AppModule {
  static register(config: ChatConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forService(config, {
          entities: [ChatProfile],
          migrations: [CreateProfiles1763960000000],
          publishes: [SAGA_REPLIES_TOPIC],
        }),
        RealtimeModule.register(config),
        SagaParticipantModule.register(chatSagaParticipant),
      ],
    };
  }
}

export const chatGatewayService: ServiceDefinition<ChatConfig> = {
  service: 'chat-gateway',
  readConfig: readChatConfig,
  rootModule: (config) => AppModule.register(config),
  configure: configureRealtime,
};
