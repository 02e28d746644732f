import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Substring search in messages (API.md v1.1, `GET /api/messages/search`): a GIN index of
 * the bodies' trigrams (pg_trgm), which serves `ILIKE '%…%'` in any script, Korean
 * included, without a word splitter, and an index in the search's newest-first order. pg_trgm is a trusted extension: a role with CREATE on
 * the database (the database's owner, as in the local stack and the tests) can create it.
 * Where an administrator created it already, in whichever schema, that one is used: its
 * operator class is named with its schema, since the search path is the service's only.
 */
export class AddMessageSearch1765600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    const [extension] = (await queryRunner.query(
      `SELECT n."nspname" FROM pg_extension e JOIN pg_namespace n ON n."oid" = e."extnamespace"
        WHERE e."extname" = 'pg_trgm'`,
    )) as { nspname: string }[];
    const schema = (extension?.nspname ?? '').replace(/"/g, '""');
    await queryRunner.query(
      `CREATE INDEX "IDX_messages_body_trgm" ON "messages" USING gin ("body" "${schema}".gin_trgm_ops)`,
    );
    // The search's order. A common word matches a good part of the messages: walking them
    // newest first until a page is full beats collecting every match from the trigram
    // index and sorting (docs/benchmarks.md); the planner picks by the query's estimate.
    await queryRunner.query(
      `CREATE INDEX "IDX_messages_newest" ON "messages" ("created_at", "room_id", "seq")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The extension stays: another schema of the database may use it.
    await queryRunner.query(`DROP INDEX "IDX_messages_newest"`);
    await queryRunner.query(`DROP INDEX "IDX_messages_body_trgm"`);
  }
}
