import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Logins auth revoked, so their access tokens stop working here at once. */
export class CreateRevokedLogins1764200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "revoked_logins" (
        "family_id" uuid NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_revoked_logins" PRIMARY KEY ("family_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "revoked_logins"`);
  }
}
