import { describeServiceBoot } from '@scale-chat/platform/testing';
import { AppModule } from './app.module';

describeServiceBoot('auth', (config) => AppModule.register(config));
