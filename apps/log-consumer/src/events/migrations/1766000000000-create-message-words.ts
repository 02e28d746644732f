import type { MigrationInterface, QueryRunner } from 'typeorm';
import { minuteOf } from '../minutes';
import { wordsOf } from '../words';

const BACKFILL_PAGE = 5_000;

/**
 * The words each message adds to `word_counts` now, and in which minute: what an edit
 * or a deletion takes out again (docs/stats.md, "Edits and deletions"). A deleted
 * message keeps its row with no words, so a repeat of an older event adds nothing.
 * Filled from the `message.sent` events the log already holds.
 */
export class CreateMessageWords1766000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "message_words" (
        "message_id" uuid NOT NULL,
        "minute" TIMESTAMP WITH TIME ZONE NOT NULL,
        "version" integer NOT NULL,
        "words" text[] NOT NULL,
        CONSTRAINT "PK_message_words" PRIMARY KEY ("message_id")
      )`);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const sent = (await queryRunner.query(
        `SELECT "event_id", "occurred_at", "data" FROM "events"
          WHERE "type" = 'message.sent' AND "event_id" > $1
          ORDER BY "event_id" LIMIT $2`,
        [after, BACKFILL_PAGE],
      )) as { event_id: string; occurred_at: Date; data: SentData }[];
      if (sent.length === 0) return;
      await queryRunner.query(
        `INSERT INTO "message_words" ("message_id", "minute", "version", "words")
         SELECT id, minute, version, ARRAY(SELECT jsonb_array_elements_text(words))
           FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::jsonb[])
                AS m(id, minute, version, words)
         ON CONFLICT ("message_id") DO NOTHING`,
        [
          sent.map((row) => row.data.message.id),
          sent.map((row) => minuteOf(row.occurred_at)),
          sent.map((row) => row.data.message.version ?? row.data.message.seq),
          sent.map((row) => JSON.stringify(wordsOf(row.data.message.body))),
        ],
      );
      after = sent.at(-1)?.event_id ?? after;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "message_words"`);
  }
}

/** The part of a logged `message.sent` the backfill reads (checked when it was logged). */
interface SentData {
  readonly message: {
    readonly id: string;
    readonly seq: number;
    readonly version?: number;
    readonly body: string;
  };
}
