import { EDGE_PORT, SERVICES, SERVICE_NAMES } from './services';

describe('SERVICES', () => {
  it('gives every process of the local stack its own port', () => {
    const ports = [EDGE_PORT, ...SERVICE_NAMES.flatMap((name) => SERVICES[name].ports)];
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('gives every service its own schema', () => {
    const schemas = SERVICE_NAMES.map((name) => SERVICES[name].schema);
    expect(new Set(schemas).size).toBe(schemas.length);
  });

  it('matches the ports of API.md', () => {
    expect(SERVICES.auth.ports).toEqual([3001]);
    expect(SERVICES['chat-gateway'].ports).toEqual([3011, 3012]);
    expect(SERVICES['saga-orchestrator'].ports).toEqual([3021]);
    expect(SERVICES['log-consumer'].ports).toEqual([3031]);
    expect(EDGE_PORT).toBe(8080);
  });
});
