import type { INestApplication } from '@nestjs/common';
import { createServiceApp, type ServiceConfig, type ServiceDefinition } from '@scale-chat/platform';
import { createTestDatabase } from '@scale-chat/platform/testing';

/**
 * Runs `use` with `service` booted in this process on a fresh database (its own
 * migrations, topics and consumer groups under the database's name), then closes both:
 * for benchmarks that time a service's repositories or services without HTTP.
 */
export async function withServiceInProcess<Config extends ServiceConfig>(
  service: ServiceDefinition<Config>,
  use: (app: INestApplication, databaseUrl: string) => Promise<void>,
): Promise<void> {
  const database = await createTestDatabase();
  const app = await createServiceApp(
    service,
    service.readConfig({
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: database.url,
      KAFKA_TOPIC_PREFIX: `${database.name}.`,
      KAFKA_GROUP_PREFIX: `${database.name}.${service.service}`,
    }),
  );
  try {
    await use(app, database.url);
  } finally {
    await app.close();
    await database.drop();
  }
}
