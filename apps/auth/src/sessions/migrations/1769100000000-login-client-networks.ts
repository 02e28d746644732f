import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each login came from, as a keyed hash of the client's network (`PasswordGuessing`).
 * A nullable column without a default: PostgreSQL adds it without rewriting the table.
 */
export class LoginClientNetworks1769100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_families" ADD COLUMN "client_network_hash" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_families" DROP COLUMN "client_network_hash"`);
  }
}
