import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event log and the figures made from it: every domain event once (append-only),
 * messages and signups per minute, words per minute, and running totals.
 */
export class CreateEventLog1765000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "events" (
        "event_id" uuid NOT NULL,
        "topic" text NOT NULL,
        "type" text NOT NULL,
        "key" text,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "data" jsonb NOT NULL,
        "recorded_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_events" PRIMARY KEY ("event_id")
      )`);
    await queryRunner.query(`CREATE INDEX "IDX_events_occurred_at" ON "events" ("occurred_at")`);
    await queryRunner.query(`
      CREATE TABLE "minute_counts" (
        "metric" text NOT NULL,
        "minute" TIMESTAMP WITH TIME ZONE NOT NULL,
        "count" bigint NOT NULL,
        CONSTRAINT "PK_minute_counts" PRIMARY KEY ("metric", "minute"),
        CONSTRAINT "CHK_minute_counts_metric" CHECK ("metric" IN ('messages', 'signups'))
      )`);
    await queryRunner.query(`
      CREATE TABLE "word_counts" (
        "minute" TIMESTAMP WITH TIME ZONE NOT NULL,
        "word" text NOT NULL,
        "count" bigint NOT NULL,
        CONSTRAINT "PK_word_counts" PRIMARY KEY ("minute", "word")
      )`);
    await queryRunner.query(`
      CREATE TABLE "totals" (
        "name" text NOT NULL,
        "value" bigint NOT NULL DEFAULT 0,
        CONSTRAINT "PK_totals" PRIMARY KEY ("name")
      )`);
    await queryRunner.query(
      `INSERT INTO "totals" ("name") VALUES ('users'), ('rooms'), ('messages')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['totals', 'word_counts', 'minute_counts', 'events'])
      await queryRunner.query(`DROP TABLE "${table}"`);
  }
}
