import { composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { sagaOrchestratorService } from './app.module';

describe('saga-orchestrator in docker-compose.yml', () => {
  composeEnvironmentChecks(sagaOrchestratorService);
});
