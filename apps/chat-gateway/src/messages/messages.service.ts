import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  ROOM_EVENT_TYPES,
  type MessageSent,
  type MessageView,
} from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ChatMetrics } from '../realtime/chat-metrics';
import { LiveRooms } from '../realtime/live-rooms';
import { requireMember } from '../rooms/room-access';
import { MESSAGE_COLUMNS, messageView, type MessageRow } from '../rooms/room-views';

export interface SendOutcome {
  readonly message: MessageView;
  /** false when the sender repeated a `clientMsgId`: `message` is the original. */
  readonly created: boolean;
}

export interface PageRequest {
  readonly afterSeq?: number;
  readonly beforeSeq?: number;
  readonly limit: number;
}

export interface MessagePage {
  readonly items: MessageView[];
  readonly hasMore: boolean;
}

/** Thrown inside the send transaction to roll back its `seq` when a twin got there first. */
class RepeatedSend extends Error {}

/**
 * Messages of a room. Sending is one transaction: the room's row is locked by bumping
 * its `last_seq` (which also checks the sender is an active member, so one who left
 * gets 403 even for a repeat), the message takes that `seq`, and its `message.sent`
 * event goes into the outbox. A repeated `clientMsgId` conflicts, rolls the transaction
 * back (giving the number back) and answers with the original. Concurrent senders on
 * any instance queue on the room's row, so `seq` has no gaps and no repeats; the outbox
 * keeps a room's events in `seq` order on their way to every gateway's sockets.
 */
@Injectable()
export class MessagesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly live: LiveRooms,
    private readonly metrics: ChatMetrics,
  ) {}

  async send(
    senderId: string,
    roomId: string,
    clientMsgId: string,
    body: string,
  ): Promise<SendOutcome> {
    try {
      const message = await this.dataSource.transaction(async (manager) => {
        const [room] = (await manager.query(
          `UPDATE "rooms" r SET "last_seq" = r."last_seq" + 1, "last_activity_at" = now()
            WHERE r."id" = $1 AND r."status" = 'active'
              AND EXISTS (SELECT 1 FROM "room_members" m
                           WHERE m."room_id" = r."id" AND m."user_id" = $2 AND m."status" = 'active')
            RETURNING r."last_seq"`,
          [roomId, senderId],
        )) as [{ last_seq: string }[], number];
        const seq = room[0]?.last_seq;
        if (seq === undefined) {
          await requireMember(manager, roomId, senderId); // throws the 404 or the 403
          throw new Error('the room refused a message from a member');
        }
        const inserted = (await manager.query(
          `INSERT INTO "messages" ("id", "room_id", "seq", "sender_id", "body", "client_msg_id")
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT ON CONSTRAINT "UQ_messages_room_sender_client_msg" DO NOTHING
           RETURNING ${MESSAGE_COLUMNS}`,
          [randomUUID(), roomId, seq, senderId, body, clientMsgId],
        )) as MessageRow[];
        const row = inserted[0];
        if (row === undefined) throw new RepeatedSend();
        const stored = messageView(row);
        await enqueueEvent<MessageSent>(manager, {
          topic: CHAT_ROOM_EVENTS_TOPIC,
          key: roomId,
          type: ROOM_EVENT_TYPES.messageSent,
          data: { message: stored },
        });
        return stored;
      });
      this.metrics.messagesIn.inc();
      return { message, created: true };
    } catch (error) {
      if (!(error instanceof RepeatedSend)) throw error;
      const original = await this.findRepeat(
        this.dataSource.manager,
        roomId,
        senderId,
        clientMsgId,
      );
      if (original === undefined)
        throw new Error('a repeated send lost its original', { cause: error });
      return { message: original, created: false };
    }
  }

  /** Messages in ascending `seq`: after a cursor, before one, between both, or the newest. */
  async page(userId: string, roomId: string, request: PageRequest): Promise<MessagePage> {
    const manager = this.dataSource.manager;
    await requireMember(manager, roomId, userId);
    const { afterSeq, beforeSeq, limit } = request;
    const ascending = afterSeq !== undefined;
    const rows = (await manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages"
        WHERE "room_id" = $1 AND "seq" > $2 AND "seq" < $3
        ORDER BY "seq" ${ascending ? 'ASC' : 'DESC'} LIMIT $4`,
      [roomId, afterSeq ?? 0, beforeSeq ?? Number.MAX_SAFE_INTEGER, limit + 1],
    )) as MessageRow[];
    const hasMore = rows.length > limit;
    const items = rows.slice(0, limit).map(messageView);
    return { items: ascending ? items : items.reverse(), hasMore };
  }

  /**
   * Moves the reader's cursor forward (never back, never past the newest message) and
   * tells the room; returns the cursor.
   */
  async markRead(userId: string, roomId: string, seq: number): Promise<number> {
    const { lastSeq } = await requireMember(this.dataSource.manager, roomId, userId);
    const target = Math.min(seq, lastSeq);
    const [moved] = (await this.dataSource.query(
      `UPDATE "room_members" SET "last_read_seq" = $3
        WHERE "room_id" = $1 AND "user_id" = $2 AND "last_read_seq" < $3
        RETURNING "last_read_seq"`,
      [roomId, userId, target],
    )) as [{ last_read_seq: string }[], number];
    if (moved.length > 0) this.live.read(roomId, userId, target);
    return target;
  }

  private async findRepeat(
    manager: EntityManager,
    roomId: string,
    senderId: string,
    clientMsgId: string,
  ): Promise<MessageView | undefined> {
    const [row] = (await manager.query(
      `SELECT ${MESSAGE_COLUMNS} FROM "messages"
        WHERE "room_id" = $1 AND "sender_id" = $2 AND "client_msg_id" = $3`,
      [roomId, senderId, clientMsgId],
    )) as MessageRow[];
    return row === undefined ? undefined : messageView(row);
  }
}
