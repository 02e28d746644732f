import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where a member joined its room: the room's `last_seq` when the membership became
 * active. What was said before is history, not unread (nor mentions of it), while the
 * read cursor stays what the member has read (`read`), which receipts show. 0 on the
 * rows stored before this column, as they were counted until now. A constant default
 * only writes the catalog; the lock it takes is waited for at most 10 s.
 */
export class MembershipJoinedSeq1768600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`SET LOCAL lock_timeout = '10s'`);
    await queryRunner.query(
      `ALTER TABLE "room_members" ADD "joined_seq" bigint NOT NULL DEFAULT '0'`,
    );
    // The rest of the run's transaction (later migrations) waits as it would have.
    await queryRunner.query(`SET LOCAL lock_timeout TO DEFAULT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "room_members" DROP COLUMN "joined_seq"`);
  }
}
