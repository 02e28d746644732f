import type { MigrationInterface, QueryRunner } from 'typeorm';
import { StoreSendsFunction1767500000000 } from './1767500000000-store-sends-function';

/**
 * `store_sends` read a batch's memberships, and the messages already stored under its
 * `clientMsgId`s, by joining the batch's keys (unnested from the arrays it is given) to
 * `room_members` and `messages`. For an array parameter PostgreSQL expects a hundred rows,
 * and its cached plan for such a join may be a hash join over a sequential scan of the
 * whole table: pg_stat_statements in `bench/chat` runs showed the membership lookup at
 * 0.54 ms of the function's 3.2 ms a call with 2,000 memberships, and the repeat lookup at
 * 1.23 ms of 2.3 ms for a batch of one with 12,000 messages (docs/benchmarks.md, "Two
 * windows, and lookups by index"). Each key is now looked up on its own (a lateral
 * subquery with LIMIT, which the planner does not flatten into a join): one index probe
 * per key whatever the tables' sizes and statistics.
 *
 * With every statement now planned the same for any batch, the function keeps one plan
 * per statement (`plan_cache_mode = force_generic_plan`) instead of planning its lookups
 * anew for each call, which cost about 0.5 ms of a 1.5 ms call for a batch of one. The rest
 * of the function is unchanged.
 */
export class StoreSendsLookupsByIndex1767600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "store_sends"(
        p_sender_ids uuid[], p_room_ids uuid[], p_client_msg_ids text[], p_bodies text[],
        p_reply_to_seqs bigint[], p_names text[], p_headers text[], p_topic text, p_type text)
        RETURNS TABLE ("outcome" text, "message" jsonb) LANGUAGE plpgsql
        SET plan_cache_mode = force_generic_plan AS $$
      DECLARE
        v_rooms uuid[];
        v_seq bigint[];
        v_version bigint[];
        v_touched boolean[];
        v_members jsonb;
        v_stored jsonb;
        -- Per item: its outcome, and the original it repeats or the new row it is.
        v_outcomes text[] := '{}';
        v_originals jsonb[] := '{}';
        v_row_of int[] := '{}';
        -- Per new message: its row, its send's key and headers.
        v_rows "messages"[] := '{}';
        v_keys text[] := '{}';
        v_headers jsonb[] := '{}';
        v_views jsonb[];
        v_row "messages";
        v_item record;
        v_at int;
        v_key text;
        v_twin int;
        v_occurred_at text :=
          to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
      BEGIN
        SELECT coalesce(array_agg(l."id" ORDER BY l."id"), '{}'),
               coalesce(array_agg(l."last_seq" ORDER BY l."id"), '{}'),
               coalesce(array_agg(l."last_version" ORDER BY l."id"), '{}'),
               coalesce(array_agg(false), '{}')
          INTO v_rooms, v_seq, v_version, v_touched
          FROM (SELECT r."id", r."last_seq", r."last_version" FROM "rooms" r
                 WHERE r."id" = ANY(p_room_ids) AND r."status" = 'active'
                 ORDER BY r."id" FOR UPDATE) l;

        -- Read under the locks (each statement sees what committed before it).
        -- One index probe per (room, sender) pair and per stored repeat: LIMIT keeps the
        -- planner from flattening these into a join that reads the whole table.
        SELECT coalesce(jsonb_object_agg(k."room_id"::text || ':' || k."user_id"::text, true), '{}')
          INTO v_members
          FROM (SELECT DISTINCT * FROM unnest(p_room_ids, p_sender_ids)) AS k("room_id", "user_id")
         CROSS JOIN LATERAL (SELECT 1 FROM "room_members" m
                              WHERE m."room_id" = k."room_id" AND m."user_id" = k."user_id"
                                AND m."status" = 'active' LIMIT 1) AS "active";
        SELECT coalesce(jsonb_object_agg(
                 k."room_id"::text || ':' || k."sender_id"::text || ':' || k."client_msg_id",
                 "message_view"("stored"."m")), '{}')
          INTO v_stored
          FROM (SELECT DISTINCT * FROM unnest(p_room_ids, p_sender_ids, p_client_msg_ids))
               AS k("room_id", "sender_id", "client_msg_id")
         CROSS JOIN LATERAL (SELECT m FROM "messages" m
                              WHERE m."room_id" = k."room_id" AND m."sender_id" = k."sender_id"
                                AND m."client_msg_id" = k."client_msg_id" LIMIT 1) AS "stored";

        v_row."created_at" := now();
        v_row."reactions" := '[]';
        FOR v_item IN
          SELECT i.room_id, i.sender_id, i.client_msg_id, i.body, i.reply_to_seq, i.names,
                 i.headers,
                 count(*) OVER (PARTITION BY i.room_id, i.sender_id, i.client_msg_id
                                ORDER BY i.n ROWS UNBOUNDED PRECEDING) > 1 AS repeated
            FROM unnest(p_room_ids, p_sender_ids, p_client_msg_ids, p_bodies, p_reply_to_seqs,
                        p_names, p_headers)
                 WITH ORDINALITY AS i(room_id, sender_id, client_msg_id, body, reply_to_seq, names,
                                      headers, n)
           ORDER BY i.n
        LOOP
          v_at := array_position(v_rooms, v_item.room_id);
          v_key := v_item.room_id::text || ':' || v_item.sender_id::text || ':' || v_item.client_msg_id;
          -- Only an item whose key came earlier in the batch may be a twin.
          v_twin := CASE WHEN v_item.repeated THEN array_position(v_keys, v_key) END;
          IF v_at IS NULL THEN
            v_outcomes := array_append(v_outcomes, 'not-found');
          ELSIF NOT v_members ? (v_item.room_id::text || ':' || v_item.sender_id::text) THEN
            v_outcomes := array_append(v_outcomes, 'forbidden');
          ELSIF v_stored ? v_key THEN
            v_outcomes := array_append(v_outcomes, 'original');
            v_originals[cardinality(v_outcomes)] := v_stored -> v_key;
          ELSIF v_twin IS NOT NULL THEN
            v_outcomes := array_append(v_outcomes, 'original');
            v_row_of[cardinality(v_outcomes)] := v_twin;
          ELSIF v_item.reply_to_seq IS NOT NULL
                AND (v_item.reply_to_seq < 1 OR v_item.reply_to_seq > v_seq[v_at]) THEN
            v_outcomes := array_append(v_outcomes, 'bad-reply');
          ELSE
            v_seq[v_at] := v_seq[v_at] + 1;
            v_version[v_at] := v_version[v_at] + 1;
            v_touched[v_at] := true;
            v_row."id" := gen_random_uuid();
            v_row."room_id" := v_item.room_id;
            v_row."seq" := v_seq[v_at];
            v_row."sender_id" := v_item.sender_id;
            v_row."body" := v_item.body;
            v_row."client_msg_id" := v_item.client_msg_id;
            v_row."version" := v_version[v_at];
            v_row."reply_to_seq" := v_item.reply_to_seq;
            v_row."mentions" := '{}';
            IF v_item.names <> '[]' THEN
              SELECT coalesce(array_agg(x."user_id" ORDER BY x."at"), '{}') INTO v_row."mentions"
                FROM (SELECT DISTINCT ON (p."user_id") p."user_id", n."at"
                        FROM jsonb_array_elements_text(v_item.names::jsonb) WITH ORDINALITY AS n("name", "at")
                        JOIN "profiles" p ON lower(p."username") = n."name"
                        JOIN "room_members" m ON m."room_id" = v_item.room_id
                                             AND m."user_id" = p."user_id" AND m."status" = 'active'
                       ORDER BY p."user_id", n."at") x;
            END IF;
            v_rows := array_append(v_rows, v_row);
            v_keys := array_append(v_keys, v_key);
            v_headers := array_append(v_headers, v_item.headers::jsonb);
            v_outcomes := array_append(v_outcomes, 'created');
            v_row_of[cardinality(v_outcomes)] := cardinality(v_rows);
          END IF;
        END LOOP;

        IF cardinality(v_rows) > 0 THEN
          INSERT INTO "messages" SELECT * FROM unnest(v_rows);
          UPDATE "rooms" r SET "last_seq" = c."last_seq", "last_version" = c."last_version",
                               "last_activity_at" = now()
            FROM unnest(v_rooms, v_seq, v_version, v_touched) AS c("id", "last_seq", "last_version", "touched")
           WHERE r."id" = c."id" AND c."touched";
          SELECT array_agg("message_view"(v_rows[i]) ORDER BY i) INTO v_views
            FROM generate_subscripts(v_rows, 1) AS i;
          INSERT INTO "outbox" ("event_id", "topic", "key", "envelope", "headers")
          SELECT o."event_id", p_topic, o."key",
                 jsonb_build_object('id', o."event_id", 'type', p_type, 'occurredAt', v_occurred_at,
                                    'data', jsonb_build_object('message', o."view")),
                 o."headers"
            FROM (SELECT gen_random_uuid() AS "event_id", v."view", v."view"->>'roomId' AS "key",
                         h."headers", v."n"
                    FROM unnest(v_views) WITH ORDINALITY AS v("view", "n")
                    JOIN unnest(v_headers) WITH ORDINALITY AS h("headers", "n") USING ("n")) o
           ORDER BY o."n";
        END IF;

        RETURN QUERY SELECT o."outcome", coalesce(v_originals[o."n"], v_views[v_row_of[o."n"]])
          FROM unnest(v_outcomes) WITH ORDINALITY AS o("outcome", "n")
         ORDER BY o."n";
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION "store_sends"(uuid[], uuid[], text[], text[], bigint[], text[], text[], text, text)`,
    );
    await queryRunner.query(`DROP FUNCTION "message_view"("messages")`);
    await new StoreSendsFunction1767500000000().up(queryRunner);
  }
}
