import type { MigrationInterface, QueryRunner } from 'typeorm';

/** How many characters of a needle the index knows; a longer one is found by its start. */
export const USER_SEARCH_KEY_LENGTH = 8;

/**
 * User search without reading the whole table (docs/benchmarks.md, "User search"): the
 * search keys of a user, every prefix, up to USER_SEARCH_KEY_LENGTH characters, of the
 * username, of the lower-cased display name and of each of its words, for a GIN index
 * (`UserSearchIndex1768200000001`, built without holding writes up).
 * `UsersRepository.search` looks its needle's start up there and checks the rows found
 * with its own predicate, so the answers stay what they were. Plain SQL and a built-in
 * operator class: no extension and no superuser. (`RETURN` bodies need PostgreSQL 14.)
 */
export class UserSearchKeys1768200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // IMMUTABLE (as lower and regexp_split_to_array are), so an index may use it. Its COST
    // (about 20 µs a row, many times the search's own predicate) makes the planner check it
    // last, and walk the usernames in order only when a needle is common enough that the
    // page fills before many rows are read; a rarer one goes through the index.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "user_search_keys"("username" text, "display_name" text)
        RETURNS text[]
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000
        RETURN ARRAY(
          SELECT DISTINCT left("term", "length")
            FROM unnest(ARRAY["username", lower("display_name")]
                        || regexp_split_to_array(lower("display_name"), '\\s+')) AS "term",
                 generate_series(1, least(length("term"), ${USER_SEARCH_KEY_LENGTH})) AS "length")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "user_search_keys"(text, text)`);
  }
}
