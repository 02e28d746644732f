import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's status change or deletion is announced on the channel `user_status` (the
 * user id as payload), so a signup waiting for its saga hears the outcome at once.
 */
export class NotifyUserStatus1765200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "notify_user_status"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('user_status', OLD."id"::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "users_status_notify" AFTER UPDATE OF "status" OR DELETE ON "users"
        FOR EACH ROW EXECUTE FUNCTION "notify_user_status"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "users_status_notify" ON "users"`);
    await queryRunner.query(`DROP FUNCTION "notify_user_status"()`);
  }
}
