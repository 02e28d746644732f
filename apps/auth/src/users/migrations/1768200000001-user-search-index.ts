import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The GIN index of `user_search_keys`, built CONCURRENTLY (outside a transaction): a
 * plain build holds every write to `users` (signups, activations, deletions) for as long
 * as it computes the keys of every row, some 20 µs each, while the release before still
 * serves them. A build killed midway (a pod stopped during it) leaves an invalid index
 * behind, which is dropped and built again. An expression index, so TypeORM's schema
 * comparison does not see it.
 */
export class UserSearchIndex1768200000001 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    const [invalid] = (await queryRunner.query(
      `SELECT 1 FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = 'IDX_users_search_keys' AND n.nspname = current_schema()
          AND NOT i.indisvalid`,
    )) as unknown[];
    if (invalid !== undefined)
      await queryRunner.query(`DROP INDEX CONCURRENTLY "IDX_users_search_keys"`);
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "IDX_users_search_keys"
         ON "users" USING gin ("user_search_keys"("username", "display_name"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_search_keys"`);
  }
}
