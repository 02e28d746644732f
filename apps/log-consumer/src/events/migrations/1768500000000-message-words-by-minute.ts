import { createIndexConcurrently } from '@scale-chat/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `message_words` by minute, for the rows of messages no top-words window reaches any
 * more, which `WordCountsRetention` deletes. Built CONCURRENTLY: the consumer writes to
 * the table with every message.
 */
export class MessageWordsByMinute1768500000000 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'message_words_minute',
      `"message_words" ("minute")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "message_words_minute"`);
  }
}
