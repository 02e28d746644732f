import { SERVICES } from '@scale-chat/contracts';
import { composeEnvironment, loopbackSettings } from '@scale-chat/platform/testing';
import { sagaOrchestratorService } from './app.module';

describe('saga-orchestrator in docker-compose.yml', () => {
  const read = () => sagaOrchestratorService.readConfig(composeEnvironment('saga-orchestrator'));

  it('has every setting its configuration requires (read as in production)', () => {
    expect(read).not.toThrow();
    expect(read().nodeEnv).toBe('production');
  });

  it('listens on every interface, on the port of API.md', () => {
    expect(read()).toMatchObject({ host: '0.0.0.0', port: SERVICES['saga-orchestrator'].ports[0] });
  });

  it('reaches every other service by its compose name, none at a local-stack default', () => {
    expect(loopbackSettings(read().extra)).toEqual([]);
  });
});
