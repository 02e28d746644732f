import { describeServiceBoot } from '@scale-chat/platform/testing';
import { authService } from './app.module';

describeServiceBoot(authService);
