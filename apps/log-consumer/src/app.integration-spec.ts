import { describeServiceBoot } from '@scale-chat/platform/testing';
import { AppModule } from './app.module';

describeServiceBoot('log-consumer', (config) => AppModule.register(config));
