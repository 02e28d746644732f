import { describeServiceBoot } from '@scale-chat/platform/testing';
import { sagaOrchestratorService } from './app.module';

describeServiceBoot(sagaOrchestratorService);
