import { composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { authService } from './app.module';

describe('auth in docker-compose.yml', () => {
  composeEnvironmentChecks(authService);
});
