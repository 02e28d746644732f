import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why the room saga cancelled a pending membership, for the request that waits on it
 * (`POST /api/rooms/:id/members`): 400 when the user was not active, 503 when the saga
 * failed for a reason of the system's (a step that timed out). Its pending row is gone by
 * then, so the answer is kept here; rows older than an hour are cleared as others come.
 */
export class CancelledMemberships1768000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "cancelled_memberships" (
        "room_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "user_was_inactive" boolean NOT NULL,
        "cancelled_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "PK_cancelled_memberships" PRIMARY KEY ("room_id", "user_id"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "cancelled_memberships"`);
  }
}
