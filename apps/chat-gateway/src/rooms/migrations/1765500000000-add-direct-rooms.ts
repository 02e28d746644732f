import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Direct rooms (API v1.1): a room's `kind`, no name for a direct one, and its two users
 * as an ordered pair that a unique index keeps to one room per pair. Cancelled rooms
 * (a user was not active) stay out of the index, so the pair can try again later.
 */
export class AddDirectRooms1765500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "rooms"
        ADD "kind" text NOT NULL DEFAULT 'group',
        ADD "direct_user_low" uuid,
        ADD "direct_user_high" uuid,
        ALTER COLUMN "name" DROP NOT NULL,
        ADD CONSTRAINT "CHK_rooms_kind" CHECK (
          ("kind" = 'group' AND "name" IS NOT NULL
             AND "direct_user_low" IS NULL AND "direct_user_high" IS NULL)
          OR ("kind" = 'direct' AND "name" IS NULL AND "direct_user_low" < "direct_user_high"))`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "UQ_rooms_direct_pair" ON "rooms" ("direct_user_low", "direct_user_high")
        WHERE "status" <> 'cancelled'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_rooms_direct_pair"`);
    await queryRunner.query(`DELETE FROM "rooms" WHERE "kind" = 'direct'`);
    await queryRunner.query(`
      ALTER TABLE "rooms"
        DROP CONSTRAINT "CHK_rooms_kind",
        ALTER COLUMN "name" SET NOT NULL,
        DROP COLUMN "direct_user_high",
        DROP COLUMN "direct_user_low",
        DROP COLUMN "kind"`);
  }
}
