import { createIndexConcurrently } from '@scale-chat/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pending users by age, for `StaleSignups` (every 10 minutes on every instance): a
 * partial index holds the few users whose signup is under way, not every account. Built
 * CONCURRENTLY: signups and logins write to `users` meanwhile.
 */
export class PendingUsersByAge1768900000000 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'IDX_users_pending_since',
      `"users" ("created_at") WHERE "status" = 'pending'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_pending_since"`);
  }
}
