import { composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { logConsumerService } from './app.module';

describe('log-consumer in docker-compose.yml', () => {
  composeEnvironmentChecks(logConsumerService);
});
