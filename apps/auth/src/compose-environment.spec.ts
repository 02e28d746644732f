import { chartEnvironmentChecks, composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { authService } from './app.module';

describe('auth in docker-compose.yml', () => {
  composeEnvironmentChecks(authService);
});

describe('auth in the Helm chart (deploy/helm/scale-chat)', () => {
  chartEnvironmentChecks(authService);
});
