import { Module, type DynamicModule } from '@nestjs/common';
import { readServiceConfig, type ServiceConfig } from '../config';
import { PlatformModule } from '../platform.module';
import { startTestService, type TestService } from '../testing/test-service';

@Module({})
class BareServiceModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: BareServiceModule, imports: [PlatformModule.forService(config)] };
  }
}

describe('GET /health with Kafka unreachable', () => {
  let service: TestService;

  beforeAll(async () => {
    // Nothing listens on port 1: the broker is "down" from the first moment.
    const definition = {
      service: 'auth' as const,
      readConfig: (env: Record<string, string | undefined>) => readServiceConfig('auth', env),
      rootModule: (config: ServiceConfig) => BareServiceModule.register(config),
    };
    service = await startTestService(definition, {
      KAFKA_BROKERS: '127.0.0.1:1',
      // The connection errors are the point of this test; keep them out of its output.
      LOG_LEVEL: 'fatal',
    });
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
