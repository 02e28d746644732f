import { describeServiceBoot } from '@scale-chat/platform/testing';
import { AppModule } from './app.module';

describeServiceBoot('chat-gateway', (config) => AppModule.register(config));
