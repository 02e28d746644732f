import { createIndexConcurrently } from '@scale-chat/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message search is case-insensitive by lower-casing (`ILIKE`), which maps Σ to σ and
 * never to the word-final ς: ΟΔΥΣΣΕΥΣ and οδυσσευς did not find each other. The search
 * compares the body with every ς read as σ (`translate("body", 'ς', 'σ')`, and the query
 * alike), so the trigram index is of that expression now. Built CONCURRENTLY (writes go on
 * meanwhile); the index of the bare body goes once the new one is there, as a second GIN
 * index on `messages` would cost every stored message. The release before searches
 * without an index from then until it is replaced (its searches may run into
 * SEARCH_STATEMENT_TIMEOUT_MS: 503).
 */
export class SearchFoldsFinalSigma1768700000000 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    const trgm = await trgmSchema(queryRunner);
    await createIndexConcurrently(
      queryRunner,
      'IDX_messages_body_folded_trgm',
      `"messages" USING gin (translate("body", 'ς', 'σ') "${trgm}".gin_trgm_ops)`,
    );
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_messages_body_trgm"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const trgm = await trgmSchema(queryRunner);
    await createIndexConcurrently(
      queryRunner,
      'IDX_messages_body_trgm',
      `"messages" USING gin ("body" "${trgm}".gin_trgm_ops)`,
    );
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_messages_body_folded_trgm"`);
  }
}

/** The schema pg_trgm was created in (AddMessageSearch1765600000000), quoted for SQL. */
async function trgmSchema(queryRunner: QueryRunner): Promise<string> {
  const [extension] = (await queryRunner.query(
    `SELECT n."nspname" FROM pg_extension e JOIN pg_namespace n ON n."oid" = e."extnamespace"
      WHERE e."extname" = 'pg_trgm'`,
  )) as { nspname: string }[];
  return (extension?.nspname ?? '').replace(/"/g, '""');
}
