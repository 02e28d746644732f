import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { LOCAL_DATABASE_URL } from '@scale-chat/contracts';

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database on the test run's PostgreSQL, so suites running side by side
 * never see each other's rows. The role of DATABASE_URL needs CREATEDB.
 */
export async function createTestDatabase(
  baseUrl: string = process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL,
): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withClient(baseUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await withClient(baseUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}
