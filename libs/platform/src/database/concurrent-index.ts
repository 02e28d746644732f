import type { QueryRunner } from 'typeorm';

/**
 * Builds an index with CREATE INDEX CONCURRENTLY, for a migration that runs outside a
 * transaction (`transaction = false`): a plain build would hold every write to the table
 * for as long as it reads it, while the release before still serves them. A build killed
 * midway (a pod stopped during it) leaves an invalid index behind, which is dropped and
 * built again. `definition`: what follows `ON`, e.g. `"users" ("name")`.
 */
export async function createIndexConcurrently(
  queryRunner: QueryRunner,
  name: string,
  definition: string,
): Promise<void> {
  const [invalid] = (await queryRunner.query(
    `SELECT 1 FROM pg_index i
       JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relname = $1 AND n.nspname = current_schema() AND NOT i.indisvalid`,
    [name],
  )) as unknown[];
  if (invalid !== undefined) await queryRunner.query(`DROP INDEX CONCURRENTLY "${name}"`);
  await queryRunner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS "${name}" ON ${definition}`);
}
