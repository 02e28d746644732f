import { Module, type DynamicModule } from '@nestjs/common';
import { LOCAL_DATABASE_URL } from '@scale-chat/contracts';
import { readServiceConfig, type ServiceConfig } from '../config';
import { HealthRegistry } from './health-registry';
import { PlatformModule } from '../platform.module';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy';
import { startTestService, type TestService } from '../testing/test-service';

@Module({})
class BareServiceModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: BareServiceModule, imports: [PlatformModule.forService(config)] };
  }
}

const bareService = {
  service: 'auth' as const,
  readConfig: (env: Record<string, string | undefined>) => readServiceConfig('auth', env),
  rootModule: (config: ServiceConfig) => BareServiceModule.register(config),
};

// The connection errors are the point of these tests; keep them out of their output.
const QUIET = { LOG_LEVEL: 'fatal' };

describe('GET /health with Kafka unreachable', () => {
  let service: TestService;

  beforeAll(async () => {
    // Nothing listens on port 1: the broker is "down" from the first moment.
    service = await startTestService(bareService, { KAFKA_BROKERS: '127.0.0.1:1', ...QUIET });
  });

  afterAll(async () => {
    await service.close();
  });

  it('answers 503, names Kafka as down and the database as up', async () => {
    const response = await fetch(`${service.url}/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      status: 'error',
      info: { database: { status: 'up' } },
      error: { kafka: { status: 'down' } },
    });
  });
});

describe('GET /health called many times at once', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startTestService(bareService, QUIET);
  });

  afterAll(async () => {
    await service.close();
  });

  it('checks the dependencies once for all of them, not once per call', async () => {
    let checks = 0;
    service.app.get(HealthRegistry).register(() => {
      checks += 1;
      return Promise.resolve({ counted: { status: 'up' as const } });
    });
    const calls = 20;
    const answers = await Promise.all(
      Array.from({ length: calls }, () => fetch(`${service.url}/health`)),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(calls).fill(200));
    // One, unless the machine stalled for a second between the calls.
    expect(checks).toBeLessThan(calls);
  });
});

describe('GET /health/live with PostgreSQL unreachable', () => {
  let service: TestService;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // The service reaches its fresh database through a proxy this test can cut, so
    // PostgreSQL goes away for this service alone (the server is shared by other suites).
    const server = new URL(process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL);
    proxy = await startTcpProxy(server.hostname, Number(server.port || 5432));
    service = await startTestService(bareService, (database) => {
      const throughProxy = new URL(database.url);
      throughProxy.hostname = '127.0.0.1';
      throughProxy.port = String(proxy.port);
      return { DATABASE_URL: throughProxy.toString(), ...QUIET };
    });
  });

  afterAll(async () => {
    await proxy.cut();
    await service.close();
  });

  it('answers 200 while /health answers 200, and still 200 once PostgreSQL is gone while /health answers 503', async () => {
    expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
    expect((await fetch(`${service.url}/health`)).status).toBe(200);

    await proxy.cut();

    // The pool notices the dropped connections at its next query: wait for the readiness
    // check to say so, then ask the liveness check.
    const deadline = Date.now() + 20_000;
    let readiness = await fetch(`${service.url}/health`);
    while (readiness.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      readiness = await fetch(`${service.url}/health`);
    }
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toMatchObject({ error: { database: { status: 'down' } } });

    const liveness = await fetch(`${service.url}/health/live`);
    expect(liveness.status).toBe(200);
    expect(await liveness.json()).toEqual({ status: 'ok' });
  });
});
