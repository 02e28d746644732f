import { SERVICES } from '@scale-chat/contracts';
import { composeEnvironment, loopbackSettings } from '@scale-chat/platform/testing';
import { logConsumerService } from './app.module';

describe('log-consumer in docker-compose.yml', () => {
  const read = () => logConsumerService.readConfig(composeEnvironment('log-consumer'));

  it('has every setting its configuration requires (read as in production)', () => {
    expect(read).not.toThrow();
    expect(read().nodeEnv).toBe('production');
  });

  it('listens on every interface, on the port of API.md', () => {
    expect(read()).toMatchObject({ host: '0.0.0.0', port: SERVICES['log-consumer'].ports[0] });
  });

  it('reaches every other service by its compose name, none at a local-stack default', () => {
    expect(loopbackSettings(read().extra)).toEqual([]);
  });
});
