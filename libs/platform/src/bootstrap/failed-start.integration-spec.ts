import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Module, type DynamicModule } from '@nestjs/common';
import { Client } from 'pg';
import { readServiceConfig, type ServiceConfig } from '../config';
import { PlatformModule } from '../platform.module';
import { testEnvironment } from '../testing/test-config';
import { createTestDatabase } from '../testing/test-database';
import { createServiceApp, runService } from './service-app';

@Module({})
class BareServiceModule {
  static register(config: ServiceConfig): DynamicModule {
    return { module: BareServiceModule, imports: [PlatformModule.forService(config)] };
  }
}

/**
 * The connections `instanceId` still holds to the database, once none is left or 5 s have
 * passed: a backend leaves pg_stat_activity a moment after its client hung up; one that
 * stays for seconds was never closed.
 */
async function eventuallyNoConnectionsOf(databaseUrl: string, instanceId: string) {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const connectionsLeft = async () => {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1`,
      [instanceId],
    );
    return rows[0]?.n;
  };
  try {
    const deadline = Date.now() + 5_000;
    let left = await connectionsLeft();
    while (left !== 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await connectionsLeft();
    }
    return left;
  } finally {
    await client.end();
  }
}

/** A bare service (the platform alone) of `instanceId` on `databaseUrl`. */
function bareService(databaseUrl: string, instanceId: string, env: Record<string, string> = {}) {
  const config = readServiceConfig(
    'auth',
    testEnvironment('auth', {
      DATABASE_URL: databaseUrl,
      INSTANCE_ID: instanceId,
      LOG_LEVEL: 'fatal',
      ...env,
    }),
  );
  const definition = {
    service: 'auth' as const,
    readConfig: () => config,
    rootModule: (given: ServiceConfig) => BareServiceModule.register(given),
  };
  return { config, definition };
}

describe('a service whose start fails half-way', () => {
  it('closes what it opened (no database connection stays behind)', async () => {
    const database = await createTestDatabase();
    const instanceId = `failed-start-${randomUUID().slice(0, 8)}`;
    const { config, definition } = bareService(database.url, instanceId);
    const failing = {
      ...definition,
      configure: () => Promise.reject(new Error('the Socket.IO cluster could not start')),
    };
    await expect(createServiceApp(failing, config)).rejects.toThrow('could not start');
    try {
      expect(await eventuallyNoConnectionsOf(database.url, instanceId)).toBe(0);
    } finally {
      await database.drop();
    }
  });

  it('says which HOST and PORT it could not listen on, and closes what it opened', async () => {
    const database = await createTestDatabase();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const instanceId = `failed-listen-${randomUUID().slice(0, 8)}`;
    const { config, definition } = bareService(database.url, instanceId, { PORT: String(port) });
    try {
      await expect(runService(definition, config)).rejects.toThrow(
        `cannot listen on HOST 127.0.0.1, PORT ${port}: EADDRINUSE`,
      );
      expect(await eventuallyNoConnectionsOf(database.url, instanceId)).toBe(0);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      await database.drop();
    }
  });
});
