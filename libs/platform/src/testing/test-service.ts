import { eventuallyValue } from '@scale-chat/wait';
import type { INestApplication } from '@nestjs/common';
import { SERVICE_KEEP_ALIVE_TIMEOUT_MS, SERVICES } from '@scale-chat/contracts';
import { DataSource } from 'typeorm';
import { createServiceApp, type Environment, type ServiceDefinition } from '../bootstrap';
import type { ServiceConfig } from '../config';
import { pendingSchemaChanges } from './schema-drift';
import { testEnvironment } from './test-config';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestService<C extends ServiceConfig = ServiceConfig> {
  readonly app: INestApplication;
  readonly config: C;
  /** `http://127.0.0.1:<port>` of the running service. */
  readonly url: string;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/**
 * Boots a service in this process exactly as `main.ts` does (same root module, same
 * pipes and logger), against a fresh database and the run's Kafka, on a free port.
 * `overrides` may be made from the fresh database (to reach it some other way).
 */
export async function startTestService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: Environment | ((database: TestDatabase) => Environment) = {},
): Promise<TestService<C>> {
  const database = await createTestDatabase();
  const given = typeof overrides === 'function' ? overrides(database) : overrides;
  const config = definition.readConfig(
    testEnvironment(definition.service, { DATABASE_URL: database.url, ...given }),
  );
  try {
    const app = await createServiceApp(definition, config);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      app,
      config,
      url,
      database,
      close: async () => {
        await app.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/**
 * A second instance of a running test service, as a second pod would be: the same
 * database, Kafka topics and consumer groups, its own id and port; closing it leaves the
 * database to the first.
 */
export async function startAnotherInstance<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  first: TestService<C>,
  overrides: Environment = {},
): Promise<TestService<C>> {
  const config = definition.readConfig(
    testEnvironment(definition.service, {
      DATABASE_URL: first.database.url,
      KAFKA_GROUP_PREFIX: first.config.kafkaGroupPrefix,
      KAFKA_TOPIC_PREFIX: first.config.kafkaTopicPrefix,
      INSTANCE_ID: `${first.config.instanceId}-another`,
      ...overrides,
    }),
  );
  const app = await createServiceApp(definition, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, config, url, database: first.database, close: () => app.close() };
}

/**
 * The checks every service passes from its first commit on: it boots against the real
 * PostgreSQL and Kafka, reports both healthy, owns its schema, and its entities and
 * migrations agree.
 */
export function describeServiceBoot<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  overrides: Environment = {},
): void {
  const { service } = definition;
  describe(`${service} boot`, () => {
    let running: TestService<C> | undefined;
    const started = (): TestService<C> => {
      if (running === undefined) throw new Error(`${service} did not start`);
      return running;
    };

    beforeAll(async () => {
      running = await startTestService(definition, overrides);
    });

    afterAll(async () => {
      await running?.close();
    });

    it('answers GET /health with 200 and both dependencies up', async () => {
      // One check may take longer than its 2 s on a busy machine (a 503 then): what counts
      // is that the service comes up.
      const response = await eventuallyValue(
        'a healthy answer',
        () => fetch(`${started().url}/health`),
        ({ status }) => status === 200,
      );
      expect(await response.json()).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, kafka: { status: 'up' } },
      });
    });

    it('answers GET /health/live with 200 (liveness: the process runs)', async () => {
      const response = await fetch(`${started().url}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    });

    it('keeps an idle connection open longer than the edge keeps its own', async () => {
      const response = await fetch(`${started().url}/health/live`);
      await response.text();
      expect(response.headers.get('keep-alive')).toBe(
        `timeout=${SERVICE_KEEP_ALIVE_TIMEOUT_MS / 1000}`,
      );
    });

    it(`owns the "${SERVICES[service].schema}" schema, migrated with no drift`, async () => {
      const dataSource = started().app.get(DataSource);
      const schema = SERVICES[service].schema;
      const rows: unknown[] = await dataSource.query(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = $1 AND table_name = 'migrations'`,
        [schema],
      );
      expect(rows).toEqual([{ table_name: 'migrations' }]);
      const searchPath: unknown[] = await dataSource.query('SHOW search_path');
      expect(searchPath).toEqual([{ search_path: schema }]);
      expect(await pendingSchemaChanges(dataSource)).toEqual([]);
    });

    it('echoes a well-formed correlation id and replaces a bad one', async () => {
      const given = await fetch(`${started().url}/health`, {
        headers: { 'x-correlation-id': 'boot-check-1' },
      });
      expect(given.headers.get('x-correlation-id')).toBe('boot-check-1');
      const replaced = await fetch(`${started().url}/health`, {
        headers: { 'x-correlation-id': 'bad id with spaces' },
      });
      expect(replaced.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
}
