import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Rooms, their members (with read cursors) and their messages, numbered per room. */
export class CreateRoomsAndMessages1764000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "rooms" (
        "id" uuid NOT NULL,
        "name" text NOT NULL,
        "owner_id" uuid NOT NULL,
        "status" text NOT NULL,
        "last_seq" bigint NOT NULL DEFAULT '0',
        "last_activity_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "inactive_user_ids" uuid array,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_rooms_status" CHECK ("status" IN ('pending', 'active', 'cancelled')),
        CONSTRAINT "PK_rooms" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "room_members" (
        "room_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "role" text NOT NULL,
        "status" text NOT NULL,
        "last_read_seq" bigint NOT NULL DEFAULT '0',
        "joined_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_room_members_status" CHECK ("status" IN ('pending', 'active')),
        CONSTRAINT "CHK_room_members_role" CHECK ("role" IN ('owner', 'member')),
        CONSTRAINT "PK_room_members" PRIMARY KEY ("room_id", "user_id"),
        CONSTRAINT "FK_room_members_room" FOREIGN KEY ("room_id")
          REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_room_members_user" ON "room_members" ("user_id")`);
    await queryRunner.query(`
      CREATE TABLE "messages" (
        "id" uuid NOT NULL,
        "room_id" uuid NOT NULL,
        "seq" bigint NOT NULL,
        "sender_id" uuid NOT NULL,
        "body" text NOT NULL,
        "client_msg_id" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "UQ_messages_room_sender_client_msg" UNIQUE ("room_id", "sender_id", "client_msg_id"),
        CONSTRAINT "UQ_messages_room_seq" UNIQUE ("room_id", "seq"),
        CONSTRAINT "PK_messages" PRIMARY KEY ("id"),
        CONSTRAINT "FK_messages_room" FOREIGN KEY ("room_id")
          REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE NO ACTION
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "messages"`);
    await queryRunner.query(`DROP TABLE "room_members"`);
    await queryRunner.query(`DROP TABLE "rooms"`);
  }
}
