import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API.md v1.1: a per-room `version` counting every change to the room's messages, and
 * the fields edits, deletions, replies, reactions and mentions need. Every message so far
 * was one change (its send), so existing rooms and messages take `version = seq`: the
 * versions start gapless, and a v1 event read again (no `version`) means the same.
 * Reactions live on the message as JSON (`[{emoji, userIds}]`, API.md's order): they are
 * only ever changed under the room's lock, so the read-modify-write is safe, and a
 * message is read whole without a join.
 */
export class MessageVersions1766000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rooms" ADD "last_version" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(`UPDATE "rooms" SET "last_version" = "last_seq"`);
    await queryRunner.query(`
      ALTER TABLE "messages"
        ADD "version" bigint,
        ADD "edited_at" TIMESTAMP WITH TIME ZONE,
        ADD "deleted_at" TIMESTAMP WITH TIME ZONE,
        ADD "reply_to_seq" bigint,
        ADD "reactions" jsonb NOT NULL DEFAULT '[]',
        ADD "mentions" uuid array NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`UPDATE "messages" SET "version" = "seq"`);
    await queryRunner.query(`ALTER TABLE "messages" ALTER COLUMN "version" SET NOT NULL`);
    // One change per version, so one message per (room, version): also the index of
    // GET …/changes and sync by afterVersion.
    await queryRunner.query(
      `ALTER TABLE "messages" ADD CONSTRAINT "UQ_messages_room_version" UNIQUE ("room_id", "version")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "messages" DROP CONSTRAINT "UQ_messages_room_version"`);
    await queryRunner.query(`
      ALTER TABLE "messages"
        DROP COLUMN "mentions", DROP COLUMN "reactions", DROP COLUMN "reply_to_seq",
        DROP COLUMN "deleted_at", DROP COLUMN "edited_at", DROP COLUMN "version"`);
    await queryRunner.query(`ALTER TABLE "rooms" DROP COLUMN "last_version"`);
  }
}
