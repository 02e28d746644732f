import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { MessageView, ReactionView } from '@scale-chat/contracts';
import type { EntityManager } from 'typeorm';
import { MESSAGE_COLUMNS, type MessageRow } from '../rooms/room-views';

/** A message to store, numbered and versioned by `planSends`. */
export type NewMessage = Pick<
  MessageView,
  | 'id'
  | 'roomId'
  | 'seq'
  | 'senderId'
  | 'body'
  | 'clientMsgId'
  | 'version'
  | 'replyToSeq'
  | 'mentions'
>;

/** A room's counters, as a batch of sends reads them under the room's lock. */
export interface RoomCountersRow {
  id: string;
  last_seq: string;
  last_version: string;
}

/** A send's room and sender, or a mention's room and name. */
export interface RoomAndUser {
  readonly roomId: string;
  readonly userId: string;
}

/** A change of a message as `change-rules.ts` decided it. */
export interface MessageUpdate {
  readonly body: string;
  readonly edited: boolean;
  readonly deleted: boolean;
  readonly reactions: readonly ReactionView[];
  readonly mentions: readonly string[];
  readonly version: number;
}

/**
 * The messages feature's SQL: sends (set-wise, for group commit), pages, read cursors,
 * changes and mentions. Injected, it reads and writes through the pool; `in(manager)`
 * gives the same queries inside the caller's transaction.
 */
@Injectable()
export class MessagesRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): MessagesRepository {
    return new MessagesRepository(manager);
  }

  /** Locks the active rooms among `roomIds` in id order, and reads their counters. */
  async lockActiveRooms(roomIds: readonly string[]): Promise<RoomCountersRow[]> {
    return (await this.manager.query(
      `SELECT "id", "last_seq", "last_version" FROM "rooms"
      WHERE "id" = ANY($1::uuid[]) AND "status" = 'active'
      ORDER BY "id" FOR UPDATE`,
      [roomIds],
    )) as RoomCountersRow[];
  }

  /** Which of these (room, user) pairs are active memberships. */
  async activeMemberships(
    pairs: readonly RoomAndUser[],
  ): Promise<{ room_id: string; user_id: string }[]> {
    return (await this.manager.query(
      `SELECT "room_id", "user_id" FROM "room_members"
      WHERE ("room_id", "user_id") IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
        AND "status" = 'active'`,
      [pairs.map((pair) => pair.roomId), pairs.map((pair) => pair.userId)],
    )) as { room_id: string; user_id: string }[];
  }

  /** The stored messages of these (room, sender, clientMsgId) triples. */
  async findSends(
    sends: readonly { roomId: string; senderId: string; clientMsgId: string }[],
  ): Promise<MessageRow[]> {
    return (await this.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages"
      WHERE ("room_id", "sender_id", "client_msg_id")
         IN (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]))`,
      [
        sends.map((send) => send.roomId),
        sends.map((send) => send.senderId),
        sends.map((send) => send.clientMsgId),
      ],
    )) as MessageRow[];
  }

  /** The active members of the rooms whose lower-case username is one of the names. */
  async membersNamed(
    wanted: readonly { roomId: string; name: string }[],
  ): Promise<{ room_id: string; user_id: string; name: string }[]> {
    return (await this.manager.query(
      `SELECT m."room_id", p."user_id", lower(p."username") AS "name"
       FROM "room_members" m JOIN "profiles" p ON p."user_id" = m."user_id"
      WHERE m."status" = 'active'
        AND (m."room_id", lower(p."username")) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`,
      [wanted.map((item) => item.roomId), wanted.map((item) => item.name)],
    )) as { room_id: string; user_id: string; name: string }[];
  }

  /** Stores the messages in one statement; the rows as stored. */
  async insertMessages(messages: readonly NewMessage[]): Promise<MessageRow[]> {
    // Mentions as one JSON text per row: unnest would flatten an array of uuid[].
    return (await this.manager.query(
      `INSERT INTO "messages" ("id", "room_id", "seq", "sender_id", "body", "client_msg_id",
                                   "version", "reply_to_seq", "mentions")
           SELECT i, r, s, u, b, c, v, p, ARRAY(SELECT jsonb_array_elements_text(m::jsonb))::uuid[]
             FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[],
                         $7::bigint[], $8::bigint[], $9::text[]) AS x(i, r, s, u, b, c, v, p, m)
           RETURNING ${MESSAGE_COLUMNS}`,
      [
        messages.map((message) => message.id),
        messages.map((message) => message.roomId),
        messages.map((message) => message.seq),
        messages.map((message) => message.senderId),
        messages.map((message) => message.body),
        messages.map((message) => message.clientMsgId),
        messages.map((message) => message.version),
        messages.map((message) => message.replyToSeq),
        messages.map((message) => JSON.stringify(message.mentions)),
      ],
    )) as MessageRow[];
  }

  /** The rooms' new counters (and their activity now), in one statement. */
  async advanceRooms(
    lastSeq: ReadonlyMap<string, number>,
    lastVersion: ReadonlyMap<string, number>,
  ): Promise<void> {
    await this.manager.query(
      `UPDATE "rooms" r SET "last_seq" = v."last_seq", "last_version" = v."last_version",
                  "last_activity_at" = now()
             FROM unnest($1::uuid[], $2::bigint[], $3::bigint[]) AS v("id", "last_seq", "last_version")
            WHERE r."id" = v."id"`,
      [
        [...lastSeq.keys()],
        [...lastSeq.values()],
        [...lastSeq.keys()].map((id) => lastVersion.get(id)),
      ],
    );
  }

  /** Up to `limit` messages with `afterSeq < seq < beforeSeq`, ascending or descending. */
  async page(
    roomId: string,
    afterSeq: number,
    beforeSeq: number,
    ascending: boolean,
    limit: number,
  ): Promise<MessageRow[]> {
    return (await this.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages"
        WHERE "room_id" = $1 AND "seq" > $2 AND "seq" < $3
        ORDER BY "seq" ${ascending ? 'ASC' : 'DESC'} LIMIT $4`,
      [roomId, afterSeq, beforeSeq, limit],
    )) as MessageRow[];
  }

  /** Moves the member's read cursor forward to `seq`; false when it was there already. */
  async moveReadCursor(roomId: string, userId: string, seq: number): Promise<boolean> {
    const [moved] = (await this.manager.query(
      `UPDATE "room_members" SET "last_read_seq" = $3
        WHERE "room_id" = $1 AND "user_id" = $2 AND "last_read_seq" < $3
        RETURNING "last_read_seq"`,
      [roomId, userId, seq],
    )) as [{ last_read_seq: string }[], number];
    return moved.length > 0;
  }

  /** The room's `last_version` (of an active room, locked, with `lockActive`). */
  async lastVersion(roomId: string, lockActive = false): Promise<number | undefined> {
    const [room] = (await this.manager.query(
      lockActive
        ? `SELECT "last_version" FROM "rooms" WHERE "id" = $1 AND "status" = 'active' FOR UPDATE`
        : `SELECT "last_version" FROM "rooms" WHERE "id" = $1`,
      [roomId],
    )) as { last_version: string }[];
    return room === undefined ? undefined : Number(room.last_version);
  }

  /** Up to `limit` of the room's messages changed after `afterVersion`, by version. */
  async changedSince(roomId: string, afterVersion: number, limit: number): Promise<MessageRow[]> {
    return (await this.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages"
          WHERE "room_id" = $1 AND "version" > $2 ORDER BY "version" LIMIT $3`,
      [roomId, afterVersion, limit],
    )) as MessageRow[];
  }

  async findBySeq(roomId: string, seq: number): Promise<MessageRow | undefined> {
    const [row] = (await this.manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages" WHERE "room_id" = $1 AND "seq" = $2`,
      [roomId, seq],
    )) as MessageRow[];
    return row;
  }

  /** Writes a change of the message; the row as stored, undefined when it is gone. */
  async updateMessage(id: string, update: MessageUpdate): Promise<MessageRow | undefined> {
    const [rows] = (await this.manager.query(
      `UPDATE "messages"
          SET "body" = $2,
              "edited_at" = CASE WHEN $3 THEN now() ELSE "edited_at" END,
              "deleted_at" = CASE WHEN $4 THEN now() ELSE "deleted_at" END,
              "reactions" = $5::jsonb, "mentions" = $6::uuid[], "version" = $7
        WHERE "id" = $1
        RETURNING ${MESSAGE_COLUMNS}`,
      [
        id,
        update.body,
        update.edited,
        update.deleted,
        JSON.stringify(update.reactions),
        update.mentions,
        update.version,
      ],
    )) as [MessageRow[], number];
    return rows[0];
  }

  async setLastVersion(roomId: string, version: number): Promise<void> {
    await this.manager.query(`UPDATE "rooms" SET "last_version" = $2 WHERE "id" = $1`, [
      roomId,
      version,
    ]);
  }
}
