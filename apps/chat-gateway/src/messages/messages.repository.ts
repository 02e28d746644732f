import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { MessageView, ReactionView } from '@scale-chat/contracts';
import type { EntityManager } from 'typeorm';
import { MESSAGE_COLUMNS, type MessageRow } from '../rooms/room-views';

/** One `message:send` or `POST …/messages`, as a batch stores it. */
export interface SendRequest {
  readonly senderId: string;
  readonly roomId: string;
  readonly clientMsgId: string;
  readonly body: string;
  /** API.md v1.1: the `seq` of the message of the same room this one replies to. */
  readonly replyToSeq?: number;
  /** The correlation id of the request or event that sent it, carried by its event. */
  readonly correlationId?: string;
}

/** How `store_sends` decided an item (its migration says when each applies). */
export type SendDecision = 'created' | 'original' | 'not-found' | 'forbidden' | 'bad-reply';

/** One item's answer: the message stored, or the original a repeat names. */
export interface StoredSend {
  readonly outcome: SendDecision;
  readonly message: MessageView | null;
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

  /**
   * Stores a batch of sends in one statement and one commit (`store_sends`, its migration
   * says how each item is decided), with a `message.sent` event per new message in the
   * outbox; answers each item in order. `mentionNames` are each body's candidate names.
   */
  async storeSends(
    requests: readonly SendRequest[],
    mentionNames: readonly (readonly string[])[],
    headers: readonly string[],
    event: { readonly topic: string; readonly type: string },
  ): Promise<StoredSend[]> {
    return (await this.manager.query(
      `SELECT "outcome", "message" FROM "store_sends"($1::uuid[], $2::uuid[], $3::text[],
         $4::text[], $5::bigint[], $6::text[], $7::text[], $8, $9)`,
      [
        requests.map((request) => request.senderId),
        requests.map((request) => request.roomId),
        requests.map((request) => request.clientMsgId),
        requests.map((request) => request.body),
        requests.map((request) => request.replyToSeq ?? null),
        mentionNames.map((names) => JSON.stringify(names)),
        headers,
        event.topic,
        event.type,
      ],
    )) as StoredSend[];
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
