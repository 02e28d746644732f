import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's role, bound to the account (its id), not to its name: deleting an
 * administrator deletes the role with the row, and whoever signs up with the name
 * afterwards is a member.
 */
export class UserRoles1767100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "role" text NOT NULL DEFAULT 'member'`);
    await queryRunner.query(
      `ALTER TABLE "users" ADD CONSTRAINT "CHK_users_role" CHECK ("role" IN ('member', 'admin'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP CONSTRAINT "CHK_users_role"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "role"`);
  }
}
