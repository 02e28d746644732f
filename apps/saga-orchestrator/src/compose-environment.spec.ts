import { chartEnvironmentChecks, composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { sagaOrchestratorService } from './app.module';

describe('saga-orchestrator in docker-compose.yml', () => {
  composeEnvironmentChecks(sagaOrchestratorService);
});

describe('saga-orchestrator in the Helm chart (deploy/helm/scale-chat)', () => {
  chartEnvironmentChecks(sagaOrchestratorService);
});
