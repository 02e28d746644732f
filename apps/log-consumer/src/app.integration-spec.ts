import { describeServiceBoot } from '@scale-chat/platform/testing';
import { logConsumerService } from './app.module';

describeServiceBoot(logConsumerService);
