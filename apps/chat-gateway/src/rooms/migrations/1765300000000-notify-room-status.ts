import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A room's or a membership's status change (or a membership's removal) is announced on
 * the channel `room_status` with the room id, so a call waiting for the room saga hears
 * the outcome at once.
 */
export class NotifyRoomStatus1765300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // One function per table: a record's fields are checked when the statement runs, so
    // one body naming both "id" and "room_id" fails on either table.
    await queryRunner.query(`
      CREATE FUNCTION "notify_room_status_of_room"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('room_status', OLD."id"::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION "notify_room_status_of_member"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('room_status', OLD."room_id"::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "rooms_status_notify" AFTER UPDATE OF "status" ON "rooms"
        FOR EACH ROW EXECUTE FUNCTION "notify_room_status_of_room"()`);
    await queryRunner.query(`
      CREATE TRIGGER "room_members_status_notify" AFTER UPDATE OF "status" OR DELETE ON "room_members"
        FOR EACH ROW EXECUTE FUNCTION "notify_room_status_of_member"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "room_members_status_notify" ON "room_members"`);
    await queryRunner.query(`DROP TRIGGER "rooms_status_notify" ON "rooms"`);
    await queryRunner.query(`DROP FUNCTION "notify_room_status_of_member"()`);
    await queryRunner.query(`DROP FUNCTION "notify_room_status_of_room"()`);
  }
}
