import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The room saga that stored a pending membership. Saga commands may arrive more than
 * once (a redelivery, a re-send on timeout), and a user may leave and be added again by
 * a newer saga: a late copy of the earlier saga's activation or cancellation must not
 * act on the newer saga's pending row. `null` on the rows stored before this column.
 */
export class MembershipSagas1768100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "room_members" ADD "saga_id" uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "room_members" DROP COLUMN "saga_id"`);
  }
}
