import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group commit in one round trip. A batch of sends used to be eight statements (begin,
 * lock, memberships, repeats, mentions, insert, counters, outbox, commit), each a round
 * trip through the gateway's event loop, with the batch's rooms locked across all of
 * them; under load the lock was held for the gateway's lag eight times over, and every
 * other batch touching those rooms waited (docs/benchmarks.md, "One round trip per
 * batch"). `store_sends` decides and writes the whole batch in one call:
 *
 * - locks the batch's active rooms in id order (batches of several instances queue on a
 *   shared room and never deadlock) and reads their counters;
 * - decides each item in order as if it were alone: a room that is not active is
 *   `not-found`, a sender who is not an active member `forbidden` (before looking for a
 *   repeat, so one who left is refused even a repeat), a stored `clientMsgId` of the
 *   sender in that room answers with the original, a repeat of an earlier item of the
 *   batch with what that one stored, a `replyToSeq` the room does not have (yet) is
 *   `bad-reply`; any other takes its room's next `seq` and next `version`;
 * - resolves each new message's mentions (`names`: the body's candidate usernames, in
 *   order, from `mentionCandidates`) against the room's active members;
 * - writes the messages, the rooms' counters and one `message.sent` event per message in
 *   the outbox, in the batch's order;
 * - answers one row per item, in order: `outcome` and the message as the API shows it.
 *
 * `message_view` is the API's MessageView of a stored row (room-views.ts' `messageView`
 * gives the same for the rows other queries read; a spec holds them equal).
 */
export class StoreSendsFunction1767500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION "message_view"(m "messages") RETURNS jsonb LANGUAGE sql STABLE AS $$
        SELECT jsonb_build_object(
          'id', m."id", 'roomId', m."room_id", 'seq', m."seq", 'senderId', m."sender_id",
          'body', m."body", 'clientMsgId', m."client_msg_id",
          'createdAt', to_char(m."created_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'version', m."version",
          'editedAt', to_char(m."edited_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'deletedAt', to_char(m."deleted_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'replyToSeq', m."reply_to_seq", 'reactions', m."reactions", 'mentions', to_jsonb(m."mentions"))
      $$`);
    await queryRunner.query(`
      CREATE FUNCTION "store_sends"(
        p_sender_ids uuid[], p_room_ids uuid[], p_client_msg_ids text[], p_bodies text[],
        p_reply_to_seqs bigint[], p_names text[], p_headers text[], p_topic text, p_type text)
        RETURNS TABLE ("outcome" text, "message" jsonb) LANGUAGE plpgsql AS $$
      DECLARE
        v_rooms uuid[];
        v_seq bigint[];
        v_version bigint[];
        v_touched boolean[];
        v_members jsonb;
        v_stored jsonb;
        v_first jsonb := '{}';
        v_outcomes text[] := '{}';
        v_views jsonb[] := '{}';
        v_event_ids uuid[] := '{}';
        v_keys text[] := '{}';
        v_envelopes jsonb[] := '{}';
        v_headers jsonb[] := '{}';
        v_occurred_at text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
        v_item record;
        v_at int;
        v_key text;
        v_view jsonb;
        v_mentions uuid[];
        v_event_id uuid;
      BEGIN
        SELECT coalesce(array_agg(l."id" ORDER BY l."id"), '{}'),
               coalesce(array_agg(l."last_seq" ORDER BY l."id"), '{}'),
               coalesce(array_agg(l."last_version" ORDER BY l."id"), '{}'),
               coalesce(array_agg(false), '{}')
          INTO v_rooms, v_seq, v_version, v_touched
          FROM (SELECT r."id", r."last_seq", r."last_version" FROM "rooms" r
                 WHERE r."id" = ANY(p_room_ids)
                   AND r."status" = 'active'
                 ORDER BY r."id" FOR UPDATE) l;

        -- Read under the locks (each statement sees what committed before it).
        SELECT coalesce(jsonb_object_agg(m."room_id"::text || ':' || m."user_id"::text, true), '{}')
          INTO v_members
          FROM "room_members" m
         WHERE m."status" = 'active' AND m."room_id" = ANY(v_rooms)
           AND (m."room_id", m."user_id") IN (SELECT * FROM unnest(p_room_ids, p_sender_ids));
        SELECT coalesce(jsonb_object_agg(
                 m."room_id"::text || ':' || m."sender_id"::text || ':' || m."client_msg_id",
                 "message_view"(m)), '{}')
          INTO v_stored
          FROM "messages" m
         WHERE m."room_id" = ANY(v_rooms)
           AND (m."room_id", m."sender_id", m."client_msg_id") IN
               (SELECT * FROM unnest(p_room_ids, p_sender_ids, p_client_msg_ids));

        FOR v_item IN
          SELECT i.room_id, i.sender_id, i.client_msg_id, i.body, i.reply_to_seq,
                 ARRAY(SELECT jsonb_array_elements_text(i.names::jsonb)) AS names,
                 i.headers::jsonb AS headers
            FROM unnest(p_room_ids, p_sender_ids, p_client_msg_ids, p_bodies, p_reply_to_seqs,
                        p_names, p_headers)
                 WITH ORDINALITY AS i(room_id, sender_id, client_msg_id, body, reply_to_seq, names,
                                      headers, n)
           ORDER BY i.n
        LOOP
          v_at := array_position(v_rooms, v_item.room_id);
          v_key := v_item.room_id::text || ':' || v_item.sender_id::text || ':' || v_item.client_msg_id;
          IF v_at IS NULL THEN
            v_outcomes := array_append(v_outcomes, 'not-found'::text);
            v_views := array_append(v_views, NULL::jsonb);
          ELSIF NOT v_members ? (v_item.room_id::text || ':' || v_item.sender_id::text) THEN
            v_outcomes := array_append(v_outcomes, 'forbidden'::text);
            v_views := array_append(v_views, NULL::jsonb);
          ELSIF v_stored ? v_key THEN
            v_outcomes := array_append(v_outcomes, 'original'::text);
            v_views := array_append(v_views, (v_stored -> v_key));
          ELSIF v_first ? v_key THEN
            v_outcomes := array_append(v_outcomes, 'original'::text);
            v_views := array_append(v_views, (v_first -> v_key));
          ELSIF v_item.reply_to_seq IS NOT NULL
                AND (v_item.reply_to_seq < 1 OR v_item.reply_to_seq > v_seq[v_at]) THEN
            v_outcomes := array_append(v_outcomes, 'bad-reply'::text);
            v_views := array_append(v_views, NULL::jsonb);
          ELSE
            v_seq[v_at] := v_seq[v_at] + 1;
            v_version[v_at] := v_version[v_at] + 1;
            v_touched[v_at] := true;
            v_mentions := '{}';
            IF cardinality(v_item.names) > 0 THEN
              SELECT coalesce(array_agg(x."user_id" ORDER BY x."at"), '{}') INTO v_mentions
                FROM (SELECT DISTINCT ON (p."user_id") p."user_id", n."at"
                        FROM unnest(v_item.names) WITH ORDINALITY AS n("name", "at")
                        JOIN "profiles" p ON lower(p."username") = n."name"
                        JOIN "room_members" m ON m."room_id" = v_item.room_id
                                             AND m."user_id" = p."user_id" AND m."status" = 'active'
                       ORDER BY p."user_id", n."at") x;
            END IF;
            INSERT INTO "messages" AS m ("id", "room_id", "seq", "sender_id", "body", "client_msg_id",
                                         "version", "reply_to_seq", "mentions")
                 VALUES (gen_random_uuid(), v_item.room_id, v_seq[v_at], v_item.sender_id, v_item.body,
                         v_item.client_msg_id, v_version[v_at], v_item.reply_to_seq, v_mentions)
              RETURNING "message_view"(m) INTO v_view;
            v_first := v_first || jsonb_build_object(v_key, v_view);
            v_outcomes := array_append(v_outcomes, 'created'::text);
            v_views := array_append(v_views, v_view);
            v_event_id := gen_random_uuid();
            v_event_ids := array_append(v_event_ids, v_event_id);
            v_keys := array_append(v_keys, v_item.room_id::text);
            v_envelopes := array_append(v_envelopes, jsonb_build_object(
              'id', v_event_id, 'type', p_type, 'occurredAt', v_occurred_at,
              'data', jsonb_build_object('message', v_view)));
            v_headers := array_append(v_headers, v_item.headers);
          END IF;
        END LOOP;

        UPDATE "rooms" r SET "last_seq" = c."last_seq", "last_version" = c."last_version",
                             "last_activity_at" = now()
          FROM unnest(v_rooms, v_seq, v_version, v_touched) AS c("id", "last_seq", "last_version", "touched")
         WHERE r."id" = c."id" AND c."touched";
        IF cardinality(v_event_ids) > 0 THEN
          INSERT INTO "outbox" ("event_id", "topic", "key", "envelope", "headers")
          SELECT o."event_id", p_topic, o."key", o."envelope", o."headers"
            FROM unnest(v_event_ids, v_keys, v_envelopes, v_headers)
                 WITH ORDINALITY AS o("event_id", "key", "envelope", "headers", "n")
           ORDER BY o."n";
        END IF;

        RETURN QUERY SELECT o."outcome", o."message"
          FROM unnest(v_outcomes, v_views) WITH ORDINALITY AS o("outcome", "message", "n")
         ORDER BY o."n";
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION "store_sends"(uuid[], uuid[], text[], text[], bigint[], text[], text[], text, text)`,
    );
    await queryRunner.query(`DROP FUNCTION "message_view"("messages")`);
  }
}
