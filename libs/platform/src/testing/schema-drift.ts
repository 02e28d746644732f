import type { DataSource } from 'typeorm';

/**
 * The SQL TypeORM would run to make the database match the entities. Empty when the
 * migrations and the entities agree; anything else is drift that a migration must fix.
 */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<string[]> {
  const sql = await dataSource.driver.createSchemaBuilder().log();
  return sql.upQueries.map((query) => query.query);
}
