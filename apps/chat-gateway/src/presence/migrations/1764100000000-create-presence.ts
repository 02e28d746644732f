import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which sockets each user holds on which gateway instance, and which instances live. */
export class CreatePresence1764100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gateway_instances" (
        "instance_id" text NOT NULL,
        "seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_gateway_instances" PRIMARY KEY ("instance_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "presence_sockets" (
        "socket_id" text NOT NULL,
        "user_id" uuid NOT NULL,
        "instance_id" text NOT NULL,
        "connected_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_presence_sockets" PRIMARY KEY ("socket_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_presence_sockets_user" ON "presence_sockets" ("user_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_presence_sockets_instance" ON "presence_sockets" ("instance_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "presence_sockets"`);
    await queryRunner.query(`DROP TABLE "gateway_instances"`);
  }
}
