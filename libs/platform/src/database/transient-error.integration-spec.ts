import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { dataSourceOptions } from './data-source-options';
import { isRefusedForGood, isTransientDatabaseError } from './transient-error';

jest.setTimeout(30_000);

/**
 * The errors a slow or busy PostgreSQL really gives, through node-postgres and TypeORM as
 * the services run them: each says "not now", never "never", so an event whose handler
 * met one is tried again, not dead-lettered.
 */
describe('what a slow database answers, classed', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** The error of `SELECT pg_sleep(1)` on a data source whose URL sets `parameter`. */
  async function slowQueryError(parameter: string): Promise<unknown> {
    const url = `${database.url}${database.url.includes('?') ? '&' : '?'}${parameter}`;
    const source = await new DataSource(
      dataSourceOptions({
        databaseUrl: url,
        databaseSchema: 'public',
        databasePoolSize: 1,
        instanceId: 'transient-error-probe',
      }),
    ).initialize();
    try {
      await source.query('SELECT pg_sleep(1)');
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await source.destroy();
    }
  }

  it.each([
    ['query_timeout (node-postgres gives up waiting)', 'query_timeout=200'],
    ['statement_timeout (PostgreSQL cancels the statement)', 'statement_timeout=200'],
  ])('takes %s as transient', async (_case, parameter) => {
    const error = await slowQueryError(parameter);
    expect(error).toBeDefined();
    expect(isTransientDatabaseError(error)).toBe(true);
    expect(isRefusedForGood(error)).toBe(false);
  });
});
