import { chartEnvironmentChecks, composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { logConsumerService } from './app.module';

describe('log-consumer in docker-compose.yml', () => {
  composeEnvironmentChecks(logConsumerService);
});

describe('log-consumer in the Helm chart (deploy/helm/scale-chat)', () => {
  chartEnvironmentChecks(logConsumerService);
});
