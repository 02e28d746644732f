import { chartEnvironmentChecks, composeEnvironmentChecks } from '@scale-chat/platform/testing';
import { chatGatewayService } from './app.module';

describe('chat-gateway in docker-compose.yml', () => {
  // The allowed origins are the browser's view of the edge, published on the host's loopback.
  composeEnvironmentChecks(chatGatewayService, ['SOCKET_ALLOWED_ORIGINS']);
});

describe('chat-gateway in the Helm chart (deploy/helm/scale-chat)', () => {
  // The allowed origins are the browser's view of the edge (a port-forward by default).
  chartEnvironmentChecks(chatGatewayService, ['SOCKET_ALLOWED_ORIGINS']);
});
