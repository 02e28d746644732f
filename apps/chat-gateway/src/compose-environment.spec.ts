import { SERVICES } from '@scale-chat/contracts';
import { composeEnvironment, loopbackSettings } from '@scale-chat/platform/testing';
import { chatGatewayService } from './app.module';

describe('chat-gateway in docker-compose.yml', () => {
  const read = () => chatGatewayService.readConfig(composeEnvironment('chat-gateway'));

  it('has every setting its configuration requires (read as in production)', () => {
    expect(read).not.toThrow();
    expect(read().nodeEnv).toBe('production');
  });

  it('listens on every interface, on the port of API.md', () => {
    expect(read()).toMatchObject({ host: '0.0.0.0', port: SERVICES['chat-gateway'].ports[0] });
  });

  it('reaches every other service by its compose name, none at a local-stack default', () => {
    // The allowed origins are the browser's view of the edge (published on the host's loopback).
    expect(loopbackSettings(read().extra, ['SOCKET_ALLOWED_ORIGINS'])).toEqual([]);
  });
});
