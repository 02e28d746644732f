import type { MigrationInterface, QueryRunner } from 'typeorm';

const SIGNATURE = `(uuid[], uuid[], text[], text[], bigint[], text[], text[], text, text)`;

/**
 * `store_sends` decided a batch item by item in a PL/pgSQL loop and wrote it in about ten
 * statements. For a batch of one, the usual batch below half our maximum, a call cost
 * 0.66 ms of PostgreSQL's CPU: 0.41 ms in its statements, each a few hundredths of a
 * millisecond, and 0.25 ms in the function's own work (docs/benchmarks.md, "Where moderate
 * load goes"). It now decides and writes a batch in two statements:
 *
 * 1. lock the batch's active rooms in id order (as before);
 * 2. one statement, planned once, read under those locks (its snapshot is taken after
 *    them, so it sees every batch that held them before): decide every item, number the
 *    new messages, write them, the rooms' counters and the outbox, and answer each item.
 *
 * The loop decides items in order because a `replyToSeq` may name a message created
 * earlier in the same batch. Where no item's `replyToSeq` is past its room's stored
 * `last_seq`, order cannot change an outcome, and the set-wise rules give the loop's
 * answer exactly:
 *
 * - not-found, forbidden and a stored repeat depend on the item alone;
 * - among the items left that share a `clientMsgId` (same room and sender), the first
 *   whose `replyToSeq` is absent or at least 1 is created; those after it repeat it
 *   (`original`), those before it are `bad-reply`;
 * - the created take their room's next `seq` and `version` in the batch's order.
 *
 * A batch with such a reply is left to the loop, kept as `store_sends_in_order` (unchanged,
 * also the reference a spec compares this function with on generated batches): the
 * statement then writes nothing and answers no row, and the function calls the loop.
 */
export class StoreSendsSetWise1767700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER FUNCTION "store_sends"${SIGNATURE} RENAME TO "store_sends_in_order"`,
    );
    await queryRunner.query(`
      CREATE FUNCTION "store_sends"(
        p_sender_ids uuid[], p_room_ids uuid[], p_client_msg_ids text[], p_bodies text[],
        p_reply_to_seqs bigint[], p_names text[], p_headers text[], p_topic text, p_type text)
        RETURNS TABLE ("outcome" text, "message" jsonb) LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan AS $$
      DECLARE
        v_occurred_at text :=
          to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
      BEGIN
        PERFORM 1 FROM "rooms" r WHERE r."id" = ANY(p_room_ids) AND r."status" = 'active'
          ORDER BY r."id" FOR UPDATE;

        RETURN QUERY
        WITH "item" AS (
          SELECT i.*, r."last_seq", r."last_version",
                 CASE WHEN r."last_seq" IS NULL THEN 'not-found'
                      WHEN a."member" IS NULL THEN 'forbidden'
                      WHEN s."view" IS NOT NULL THEN 'original'
                 END AS "alone",
                 s."view" AS "stored"
            FROM unnest(p_room_ids, p_sender_ids, p_client_msg_ids, p_bodies, p_reply_to_seqs,
                        p_names, p_headers)
                 WITH ORDINALITY AS i("room_id", "sender_id", "client_msg_id", "body",
                                      "reply_to_seq", "names", "headers", "n")
            -- One index probe per item for each (LIMIT keeps the planner from making any of
            -- them a scan of the whole table, hashed or joined, in the plan it keeps).
            LEFT JOIN LATERAL (SELECT r."last_seq", r."last_version" FROM "rooms" r
                                WHERE r."id" = i."room_id" AND r."status" = 'active' LIMIT 1) r ON true
            LEFT JOIN LATERAL (SELECT true AS "member" FROM "room_members" m
                                WHERE m."room_id" = i."room_id" AND m."user_id" = i."sender_id"
                                  AND m."status" = 'active' LIMIT 1) a ON true
            LEFT JOIN LATERAL (SELECT "message_view"(m) AS "view" FROM "messages" m
                                WHERE m."room_id" = i."room_id" AND m."sender_id" = i."sender_id"
                                  AND m."client_msg_id" = i."client_msg_id" LIMIT 1) s ON true
        ), "in_order" AS (
          -- A reply past the room's stored messages may name one of this batch: the loop's.
          SELECT EXISTS (SELECT FROM "item" WHERE "alone" IS NULL AND "reply_to_seq" > "last_seq")
                   AS "needed"
        ), "decided" AS (
          SELECT it.*,
                 min(it."n") FILTER (WHERE it."alone" IS NULL
                                       AND (it."reply_to_seq" IS NULL OR it."reply_to_seq" >= 1))
                   OVER (PARTITION BY it."room_id", it."sender_id", it."client_msg_id") AS "created_n"
            FROM "item" it
           WHERE NOT (SELECT "needed" FROM "in_order")
        ), "created" AS (
          SELECT d."n", d."room_id", d."sender_id", d."client_msg_id", d."body", d."reply_to_seq",
                 d."headers", gen_random_uuid() AS "id",
                 d."last_seq" + row_number() OVER "room" AS "seq",
                 d."last_version" + row_number() OVER "room" AS "version",
                 CASE WHEN d."names" <> '[]' THEN (
                   SELECT coalesce(array_agg(x."user_id" ORDER BY x."at"), '{}')
                     FROM (SELECT DISTINCT ON (p."user_id") p."user_id", nm."at"
                             FROM jsonb_array_elements_text(d."names"::jsonb) WITH ORDINALITY AS nm("name", "at")
                             JOIN "profiles" p ON lower(p."username") = nm."name"
                             JOIN "room_members" m ON m."room_id" = d."room_id"
                                                  AND m."user_id" = p."user_id" AND m."status" = 'active'
                            ORDER BY p."user_id", nm."at") x)
                 ELSE '{}' END AS "mentions"
            FROM "decided" d
           WHERE d."n" = d."created_n"
          WINDOW "room" AS (PARTITION BY d."room_id" ORDER BY d."n")
        ), "inserted" AS (
          INSERT INTO "messages" AS m ("id", "room_id", "seq", "sender_id", "body", "client_msg_id",
                                       "created_at", "version", "reply_to_seq", "mentions")
          SELECT c."id", c."room_id", c."seq", c."sender_id", c."body", c."client_msg_id", now(),
                 c."version", c."reply_to_seq", c."mentions"
            FROM "created" c ORDER BY c."n"
          RETURNING m."id", "message_view"(m) AS "view"
        ), "viewed" AS (
          SELECT c."n", c."room_id", c."headers", ins."view"
            FROM "created" c JOIN "inserted" ins USING ("id")
        ), "counted" AS (
          UPDATE "rooms" r SET "last_seq" = c."seq", "last_version" = c."version",
                               "last_activity_at" = now()
            FROM (SELECT "room_id", max("seq") AS "seq", max("version") AS "version"
                    FROM "created" GROUP BY "room_id") c
           WHERE r."id" = c."room_id"
        ), "published" AS (
          INSERT INTO "outbox" ("event_id", "topic", "key", "envelope", "headers")
          SELECT e."event_id", p_topic, v."view"->>'roomId',
                 jsonb_build_object('id', e."event_id", 'type', p_type, 'occurredAt', v_occurred_at,
                                    'data', jsonb_build_object('message', v."view")),
                 v."headers"::jsonb
            FROM "viewed" v CROSS JOIN LATERAL (SELECT gen_random_uuid() AS "event_id") e
           ORDER BY v."n"
        )
        SELECT CASE WHEN d."alone" IS NOT NULL THEN d."alone"
                    WHEN d."n" = d."created_n" THEN 'created'
                    WHEN d."n" > d."created_n" THEN 'original'
                    ELSE 'bad-reply' END,
               CASE WHEN d."alone" = 'original' THEN d."stored"
                    WHEN d."alone" IS NULL AND d."n" >= d."created_n" THEN v."view" END
          FROM "decided" d LEFT JOIN "viewed" v ON v."n" = d."created_n"
         ORDER BY d."n";

        IF NOT FOUND THEN
          RETURN QUERY SELECT * FROM "store_sends_in_order"(
            p_sender_ids, p_room_ids, p_client_msg_ids, p_bodies, p_reply_to_seqs, p_names,
            p_headers, p_topic, p_type);
        END IF;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION "store_sends"${SIGNATURE}`);
    await queryRunner.query(
      `ALTER FUNCTION "store_sends_in_order"${SIGNATURE} RENAME TO "store_sends"`,
    );
  }
}
