import { randomUUID } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { Client } from 'pg';
import { readServiceConfig, type ServiceConfig } from '../config';
import { PlatformModule } from '../platform.module';
import { testEnvironment } from '../testing/test-config';
import { createTestDatabase } from '../testing/test-database';
import { createServiceApp } from './service-app';

@Module({})
class BareServiceModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: BareServiceModule, imports: [PlatformModule.forService(config)] };
  }
}

describe('a service whose start fails half-way', () => {
  it('closes what it opened (no database connection stays behind)', async () => {
    const database = await createTestDatabase();
    const instanceId = `failed-start-${randomUUID().slice(0, 8)}`;
    const config = readServiceConfig(
      'auth',
      testEnvironment('auth', {
        DATABASE_URL: database.url,
        INSTANCE_ID: instanceId,
        LOG_LEVEL: 'fatal',
      }),
    );
    const definition = {
      service: 'auth' as const,
      readConfig: () => config,
      rootModule: (given: ServiceConfig) => BareServiceModule.register(given),
      configure: () => Promise.reject(new Error('the Socket.IO cluster could not start')),
    };
    await expect(createServiceApp(definition, config)).rejects.toThrow('could not start');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const connectionsLeft = async () => {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`,
        [instanceId],
      );
      return rows[0]?.n;
    };
    try {
      // A backend leaves pg_stat_activity a moment after its client hung up; one that
      // stays for seconds was never closed.
      const deadline = Date.now() + 5_000;
      let left = await connectionsLeft();
      while (left !== 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        left = await connectionsLeft();
      }
      expect(left).toBe(0);
    } finally {
      await client.end();
      await database.drop();
    }
  });
});
