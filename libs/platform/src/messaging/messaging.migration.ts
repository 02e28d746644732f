import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createIndexConcurrently } from '../database/concurrent-index';

/**
 * The outbox and the processed-messages table, in the schema of the service that runs
 * it (its connections' search path). Every service with events lists this migration.
 * A trigger wakes the relay at once after each insert (NOTIFY; the channel is the
 * schema's own since `NotifyOutboxPerSchema1767800000000`); the relay also polls in case
 * a notification is missed.
 */
export class CreateMessagingTables1763800000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outbox" (
        "position" BIGSERIAL NOT NULL,
        "event_id" uuid NOT NULL,
        "topic" text NOT NULL,
        "key" text NOT NULL,
        "envelope" jsonb NOT NULL,
        "headers" jsonb NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "published_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_outbox_position" PRIMARY KEY ("position"),
        CONSTRAINT "UQ_outbox_event_id" UNIQUE ("event_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "outbox_unpublished" ON "outbox" ("position") WHERE "published_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "processed_messages" (
        "consumer" text NOT NULL,
        "message_id" uuid NOT NULL,
        "processed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_processed_messages" PRIMARY KEY ("consumer", "message_id")
      )`);
    await queryRunner.query(`
      CREATE FUNCTION "notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
    await queryRunner.query(
      `CREATE TRIGGER "outbox_notify" AFTER INSERT ON "outbox" FOR EACH STATEMENT EXECUTE FUNCTION "notify_outbox"()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "outbox_notify" ON "outbox"`);
    await queryRunner.query(`DROP FUNCTION "notify_outbox"()`);
    await queryRunner.query(`DROP TABLE "processed_messages"`);
    await queryRunner.query(`DROP TABLE "outbox"`);
  }
}

/** Events a consumer gave up on, kept with the record and the reason (`DeadLetter`). */
export class CreateDeadLetters1766000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "dead_letters" (
        "id" BIGSERIAL NOT NULL,
        "consumer" text NOT NULL,
        "topic" text NOT NULL,
        "partition" integer NOT NULL,
        "offset" text NOT NULL,
        "event_id" uuid NOT NULL,
        "type" text NOT NULL,
        "value" bytea,
        "error" text NOT NULL,
        "failed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_dead_letters" PRIMARY KEY ("id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dead_letters"`);
  }
}

/** A record that is not an event at all (not JSON, no id) is kept as a dead letter too. */
export class DeadLettersOfNonEvents1767000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "dead_letters" ALTER COLUMN "event_id" DROP NOT NULL, ALTER COLUMN "type" DROP NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "dead_letters" WHERE "event_id" IS NULL OR "type" IS NULL`,
    );
    await queryRunner.query(
      `ALTER TABLE "dead_letters" ALTER COLUMN "event_id" SET NOT NULL, ALTER COLUMN "type" SET NOT NULL`,
    );
  }
}

/**
 * The relay deletes a row once Kafka has its event (it used to mark it `published_at` and
 * keep it a day: at 1,000 messages a second, 86 million rows). The rows kept so far go
 * now, once. `published_at` stays until no relay of the earlier release can be running:
 * the relay reads only rows where it is null, and deletes those such a relay marks during
 * a rolling update.
 */
export class DeletePublishedOutboxRows1767700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "outbox" WHERE "published_at" IS NOT NULL`);
  }

  async down(): Promise<void> {
    // Nothing to restore: the deleted rows were published.
  }
}

/**
 * Each schema's outbox notifies a channel of its own, `outbox.<schema>` (`outboxChannel`;
 * written out here, as a migration must not change), so a relay wakes only for its own
 * service's commits where several services share a database (the local stack): on the one
 * shared channel every chat message woke the relays of auth and the orchestrator too,
 * which dropped it. The shared channel is still notified, for relays of the earlier
 * release during a rolling update; the release after this one stops that.
 */
export class NotifyOutboxPerSchema1767800000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox.' || TG_TABLE_SCHEMA, '');
        PERFORM pg_notify('outbox', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "notify_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox', TG_TABLE_SCHEMA);
        RETURN NULL;
      END $$`);
  }
}

/**
 * One dead letter per record a consumer gave up on: Kafka delivers at least once, so a
 * record read again (after a rebalance, or a batch retried) used to be kept once more
 * each time. The key is the record's place and its bytes: a topic deleted and made again
 * starts its offsets at 0, and a different record there is still kept. The repeats kept
 * so far go, the first of each stays. The table is locked against writes meanwhile, so no
 * repeat lands between the two statements; during a rolling update a consumer of the
 * earlier release that gives up on a record already kept gets a unique violation and
 * reads the record again until it is replaced (nothing is lost).
 */
export class DeadLetterOncePerRecord1767900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`LOCK TABLE "dead_letters" IN SHARE ROW EXCLUSIVE MODE`);
    await queryRunner.query(`
      DELETE FROM "dead_letters" AS "repeat" USING "dead_letters" AS "first"
       WHERE "repeat"."consumer" = "first"."consumer"
         AND "repeat"."topic" = "first"."topic"
         AND "repeat"."partition" = "first"."partition"
         AND "repeat"."offset" = "first"."offset"
         AND md5(coalesce("repeat"."value", '')) = md5(coalesce("first"."value", ''))
         AND "repeat"."id" > "first"."id"`);
    await queryRunner.query(`
      CREATE UNIQUE INDEX "UQ_dead_letters_record" ON "dead_letters"
        ("consumer", "topic", "partition", "offset", md5(coalesce("value", '')))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "UQ_dead_letters_record"`);
  }
}

/**
 * The answer a saga participant gave each command, by the command's id (stable across the
 * copies the orchestrator sends again): a later copy gets the same answer and runs
 * nothing (`answerSagaCommand`), so a copy queued behind a refused step cannot act after
 * the saga undid the steps before it.
 */
export class SagaCommandReplies1768300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "saga_command_replies" (
        "command_id" text NOT NULL,
        "name" text NOT NULL,
        "reply" jsonb NOT NULL,
        "answered_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_saga_command_replies" PRIMARY KEY ("command_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "saga_command_replies_answered_at" ON "saga_command_replies" ("answered_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "saga_command_replies"`);
  }
}

/**
 * The topic each processed event came from, and an index by age within a consumer's
 * topic: each topic's events are forgotten once that topic can no longer deliver them
 * again (`forgetProcessedEvents`). Rows of earlier releases have no topic. Built
 * CONCURRENTLY, outside a transaction: every consumer writes to this table.
 */
export class ProcessedMessagesByTopic1768400000000 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    // Adding the column takes the table's lock for a moment, but waits for it behind any
    // long transaction (of the release before) while every consumer's insert waits behind
    // it: give up after 10 s instead, and the instance tries again at its next start.
    await queryRunner.query(`SET lock_timeout = '10s'`);
    try {
      await queryRunner.query(
        `ALTER TABLE "processed_messages" ADD COLUMN IF NOT EXISTS "topic" text`,
      );
    } finally {
      await queryRunner.query(`RESET lock_timeout`);
    }
    await createIndexConcurrently(
      queryRunner,
      'processed_messages_age',
      `"processed_messages" ("consumer", "topic", "processed_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "processed_messages_age"`);
    await queryRunner.query(`ALTER TABLE "processed_messages" DROP COLUMN "topic"`);
  }
}

/**
 * A dead letter's key and headers, as read: published again (`replayDeadLetters`), a
 * record goes to its key's partition, in order with the key's other records, and keeps
 * its correlation id. Letters kept before have neither (null).
 */
export class DeadLetterKeysAndHeaders1768800000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // As for processed_messages: a moment's lock, not a wait behind a long transaction.
    await queryRunner.query(`SET LOCAL lock_timeout = '10s'`);
    await queryRunner.query(
      `ALTER TABLE "dead_letters" ADD COLUMN IF NOT EXISTS "key" bytea,
                                  ADD COLUMN IF NOT EXISTS "headers" jsonb`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dead_letters" DROP COLUMN "key", DROP COLUMN "headers"`);
  }
}
