import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Saga state: one row per saga, its history included. */
export class CreateSagas1763950000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "sagas" (
        "id" uuid NOT NULL,
        "type" text NOT NULL,
        "status" text NOT NULL,
        "step" integer NOT NULL,
        "attempt" integer NOT NULL,
        "payload" jsonb NOT NULL,
        "deadline" TIMESTAMP WITH TIME ZONE,
        "failure" text,
        "history" jsonb NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_sagas" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_sagas_status" CHECK ("status" IN ('running', 'compensating', 'completed', 'compensated'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "IDX_sagas_deadline" ON "sagas" ("deadline") WHERE "status" IN ('running', 'compensating')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sagas"`);
  }
}
