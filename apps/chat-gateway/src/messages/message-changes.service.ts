import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  type ChangesPage,
  type MessageChanged,
  type MessageView,
} from '@scale-chat/contracts';
import { enqueueEvents } from '@scale-chat/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { requireMember, roomNotFound } from '../rooms/room-access';
import { MESSAGE_COLUMNS, messageView, type MessageRow } from '../rooms/room-views';
import {
  planAddReaction,
  planDelete,
  planEdit,
  planRemoveReaction,
  type Caller,
  type MessageChange,
} from './change-rules';
import { readMentions } from './member-names';
import type { MessageTarget, ReactionTarget } from './message-routes';

export const messageNotFound = () => new NotFoundException('Message not found');

/** Decides a change from the message as it is under the room's lock (change-rules.ts). */
type Plan = (
  message: MessageView,
  caller: Caller,
  manager: EntityManager,
) => Promise<MessageChange | undefined> | MessageChange | undefined;

/**
 * Edits, deletions and reactions (API.md v1.1). Each is one transaction that locks its
 * room's row, as a batch of sends does (a batch locks its rooms in id order; this locks
 * one, so neither can wait on the other in a cycle), and under that lock reads the
 * caller's membership and the message, takes the room's next `version`, writes the
 * message and the room's `last_version`, and writes the change's event to the outbox. So
 * versions are gapless across sends and changes from every instance, and the outbox keeps
 * a room's events in version order on their way to every gateway's sockets.
 */
@Injectable()
export class MessageChangesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  edit(userId: string, target: MessageTarget, body: string): Promise<MessageView> {
    return this.change(userId, target, async (message, caller, manager) => {
      const mentionsOf = await readMentions(manager, [{ roomId: message.roomId, body }]);
      return planEdit(message, caller, body, mentionsOf({ roomId: message.roomId, body }));
    });
  }

  remove(userId: string, target: MessageTarget): Promise<MessageView> {
    return this.change(userId, target, planDelete);
  }

  react(userId: string, target: ReactionTarget): Promise<MessageView> {
    return this.change(userId, target, (message, caller) =>
      planAddReaction(message, caller, target.emoji),
    );
  }

  unreact(userId: string, target: ReactionTarget): Promise<MessageView> {
    return this.change(userId, target, (message, caller) =>
      planRemoveReaction(message, caller, target.emoji),
    );
  }

  /**
   * The room's messages changed after `afterVersion`, each once in its current state,
   * ascending by version, and the room's `lastVersion`: read in one snapshot, so a client
   * that takes `lastVersion` when `hasMore` is false has missed nothing.
   */
  changes(
    userId: string,
    roomId: string,
    afterVersion: number,
    limit: number,
  ): Promise<ChangesPage> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      await requireMember(manager, roomId, userId);
      const [room] = (await manager.query(`SELECT "last_version" FROM "rooms" WHERE "id" = $1`, [
        roomId,
      ])) as { last_version: string }[];
      const rows = (await manager.query(
        `SELECT ${MESSAGE_COLUMNS} FROM "messages"
          WHERE "room_id" = $1 AND "version" > $2 ORDER BY "version" LIMIT $3`,
        [roomId, afterVersion, limit + 1],
      )) as MessageRow[];
      return {
        items: rows.slice(0, limit).map(messageView),
        hasMore: rows.length > limit,
        lastVersion: Number(room?.last_version ?? 0),
      };
    });
  }

  private change(userId: string, { roomId, seq }: MessageTarget, plan: Plan): Promise<MessageView> {
    return this.dataSource.transaction(async (manager) => {
      const [room] = (await manager.query(
        `SELECT "last_version" FROM "rooms" WHERE "id" = $1 AND "status" = 'active' FOR UPDATE`,
        [roomId],
      )) as { last_version: string }[];
      if (room === undefined) throw roomNotFound();
      const { role } = await requireMember(manager, roomId, userId);
      const [row] = (await manager.query(
        `SELECT ${MESSAGE_COLUMNS} FROM "messages" WHERE "room_id" = $1 AND "seq" = $2`,
        [roomId, seq],
      )) as MessageRow[];
      if (row === undefined) throw messageNotFound();
      const message = messageView(row);
      const change = await plan(message, { userId, role }, manager);
      if (change === undefined) return message;
      return this.store(manager, message, change, userId, Number(room.last_version) + 1);
    });
  }

  private async store(
    manager: EntityManager,
    message: MessageView,
    change: MessageChange,
    userId: string,
    version: number,
  ): Promise<MessageView> {
    const [rows] = (await manager.query(
      `UPDATE "messages"
          SET "body" = $2,
              "edited_at" = CASE WHEN $3 THEN now() ELSE "edited_at" END,
              "deleted_at" = CASE WHEN $4 THEN now() ELSE "deleted_at" END,
              "reactions" = $5::jsonb, "mentions" = $6::uuid[], "version" = $7
        WHERE "id" = $1
        RETURNING ${MESSAGE_COLUMNS}`,
      [
        message.id,
        change.body,
        change.edited,
        change.deleted,
        JSON.stringify(change.reactions),
        change.mentions,
        version,
      ],
    )) as [MessageRow[], number];
    const [row] = rows;
    if (row === undefined) throw new Error(`message ${message.id} vanished under its room's lock`);
    await manager.query(`UPDATE "rooms" SET "last_version" = $2 WHERE "id" = $1`, [
      message.roomId,
      version,
    ]);
    const updated = messageView(row);
    await enqueueEvents<MessageChanged>(manager, [
      {
        topic: CHAT_ROOM_EVENTS_TOPIC,
        // The stored id (lower case), as for sends: one room, one partition, one order.
        key: updated.roomId,
        type: change.type,
        data: {
          message: updated,
          userId,
          ...(change.emoji === undefined ? {} : { emoji: change.emoji }),
        },
      },
    ]);
    return updated;
  }
}
