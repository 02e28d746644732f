import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, their logins (refresh-token families) and the refresh tokens of each login. */
export class CreateUsersAndLogins1763900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" uuid NOT NULL,
        "username" text NOT NULL,
        "display_name" text NOT NULL,
        "password_hash" text NOT NULL,
        "status" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_users" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_users_username" UNIQUE ("username"),
        CONSTRAINT "CHK_users_status" CHECK ("status" IN ('pending', 'active', 'deleting'))
      )`);
    await queryRunner.query(`
      CREATE TABLE "login_families" (
        "id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "revoke_reason" text,
        CONSTRAINT "PK_login_families" PRIMARY KEY ("id"),
        CONSTRAINT "FK_login_families_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_login_families_user" ON "login_families" ("user_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "refresh_tokens" (
        "token_hash" text NOT NULL,
        "family_id" uuid NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "rotated_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_refresh_tokens" PRIMARY KEY ("token_hash"),
        CONSTRAINT "FK_refresh_tokens_family" FOREIGN KEY ("family_id") REFERENCES "login_families"("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_family" ON "refresh_tokens" ("family_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
    await queryRunner.query(`DROP TABLE "login_families"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
