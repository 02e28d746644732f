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
    drop: () => withClient(baseUrl, (client) => dropDatabase(client, name)),
  };
}

const INSUFFICIENT_PRIVILEGE = '42501';
const OBJECT_IN_USE = '55006';
const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * Drops `name` with whatever is connected to it. FORCE ends the other connections, but
 * only those it may signal: an autovacuum worker at work on the database just then is
 * the superuser's, and FORCE then refuses the whole drop. A plain DROP ends autovacuum
 * workers itself, so then the suite's own connections are ended and a plain DROP tried,
 * until nothing else holds the database.
 */
async function dropDatabase(client: Client, name: string): Promise<void> {
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    return;
  } catch (error) {
    if (codeOf(error) !== INSUFFICIENT_PRIVILEGE) throw error;
  }
  for (let attempt = 1; ; attempt += 1) {
    await client.query(
      `SELECT pg_terminate_backend("pid") FROM pg_stat_activity
        WHERE "datname" = $1 AND "pid" <> pg_backend_pid() AND "usename" = current_user`,
      [name],
    );
    try {
      await client.query(`DROP DATABASE IF EXISTS "${name}"`);
      return;
    } catch (error) {
      if (codeOf(error) !== OBJECT_IN_USE || attempt >= 50) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
