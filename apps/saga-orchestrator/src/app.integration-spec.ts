import { describeServiceBoot } from '@scale-chat/platform/testing';
import { AppModule } from './app.module';

describeServiceBoot('saga-orchestrator', (config) => AppModule.register(config));
