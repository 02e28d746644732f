import { createIndexConcurrently } from '@scale-chat/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The GIN index of `user_search_keys`, built CONCURRENTLY (outside a transaction): a
 * plain build holds every write to `users` (signups, activations, deletions) for as long
 * as it computes the keys of every row, some 20 µs each. An expression index, so
 * TypeORM's schema comparison does not see it.
 */
export class UserSearchIndex1768200000001 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'IDX_users_search_keys',
      `"users" USING gin ("user_search_keys"("username", "display_name"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_search_keys"`);
  }
}
