import { createIndexConcurrently } from '@scale-chat/platform';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { USER_SEARCH_KEY_LENGTH } from './1768200000000-user-search-keys';

/**
 * User search lower-cased its query in JavaScript and the display names in PostgreSQL,
 * which disagree: JavaScript reads a word-final Σ as ς and İ as "i̇", PostgreSQL as σ
 * and "i", so "ΝΙΚΟΣ" or "İlker", typed exactly, did not find the user so named. Both
 * sides now go through one function, `user_search_fold`: accents off (decomposed, the
 * combining marks of Latin, Greek and Cyrillic, U+0300–U+036F, taken out: "zoe" finds
 * "Zoë", and "ΕΛΕΝΗ", as Greek capitals are written, finds "Ελένη"; Hangul, kana and other
 * scripts' marks stay), composed again (NFC: compared decomposed, "김민지" would find
 * "김민진", its last jamo a prefix), lower case, every ς read as σ (as message search
 * does, `SearchFoldsFinalSigma1768700000000`). That costs some 2.5 µs a name more than
 * `lower` alone: a common needle, whose search walks thousands of users in username order,
 * takes about twice as long (bench/users/search.ts, docs/benchmarks.md). The search keys
 * and their GIN index are of the folded names; the index is built CONCURRENTLY (signups go
 * on meanwhile), and the old one dropped once it is there. `user_search_keys` stays for
 * the release before, which searches without an index until it is replaced.
 */
export class UserSearchFoldsCaseAlike1769000000000 implements MigrationInterface {
  readonly transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "user_search_fold"("text" text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        RETURN translate(
          lower(normalize(regexp_replace(normalize("text", NFD), '[\\u0300-\\u036f]', '', 'g'), NFC)),
          'ς', 'σ')`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "user_search_folded_keys"("username" text, "display_name" text)
        RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
        RETURN ARRAY(
          SELECT DISTINCT left("term", "length")
            FROM unnest(ARRAY["username", "user_search_fold"("display_name")]
                        || regexp_split_to_array("user_search_fold"("display_name"), '\\s+')) AS "term",
                 generate_series(1, least(length("term"), ${USER_SEARCH_KEY_LENGTH})) AS "length")`);
    await createIndexConcurrently(
      queryRunner,
      'IDX_users_search_folded_keys',
      `"users" USING gin ("user_search_folded_keys"("username", "display_name"))`,
    );
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_search_keys"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await createIndexConcurrently(
      queryRunner,
      'IDX_users_search_keys',
      `"users" USING gin ("user_search_keys"("username", "display_name"))`,
    );
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "IDX_users_search_folded_keys"`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "user_search_folded_keys"(text, text)`);
    await queryRunner.query(`DROP FUNCTION IF EXISTS "user_search_fold"(text)`);
  }
}
