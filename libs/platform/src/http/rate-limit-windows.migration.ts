import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The HTTP rate limits' counters, shared by every instance of the service (`RateLimitGuard`):
 * one row per rule and counted key, whose window starts with its first hit and is deleted
 * some time after it has ended.
 */
export class CreateRateLimitWindows1767200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "rate_limit_windows" (
        "rule" text NOT NULL,
        "key" text NOT NULL,
        "hits" integer NOT NULL,
        "ends_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_rate_limit_windows" PRIMARY KEY ("rule", "key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "rate_limit_windows_ends_at" ON "rate_limit_windows" ("ends_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "rate_limit_windows"`);
  }
}
