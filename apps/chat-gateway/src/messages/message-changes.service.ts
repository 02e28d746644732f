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
import { RoomsRepository } from '../rooms/rooms.repository';
import { requireMember, roomNotFound } from '../rooms/room-access';
import { messageView } from '../rooms/room-views';
import { MessagesRepository } from './messages.repository';
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
import { withinPageBytes } from './page-bytes';

const messageNotFound = () => new NotFoundException('Message not found');

/** Decides a change from the message as it is under the room's lock (change-rules.ts). */
type Plan = (
  message: MessageView,
  caller: Caller,
  messages: MessagesRepository,
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
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: MessagesRepository,
    private readonly rooms: RoomsRepository,
  ) {}

  edit(userId: string, target: MessageTarget, body: string): Promise<MessageView> {
    return this.change(userId, target, async (message, caller, messages) => {
      const mentionsOf = await readMentions(messages, [{ roomId: message.roomId, body }]);
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
      await requireMember(this.rooms.in(manager), roomId, userId);
      const messages = this.messages.in(manager);
      const lastVersion = await messages.lastVersion(roomId);
      const rows = await messages.changedSince(roomId, afterVersion, limit + 1);
      const page = rows.slice(0, limit).map(messageView);
      const items = withinPageBytes(page);
      return {
        items,
        hasMore: rows.length > limit || items.length < page.length,
        lastVersion: lastVersion ?? 0,
      };
    });
  }

  private change(userId: string, { roomId, seq }: MessageTarget, plan: Plan): Promise<MessageView> {
    return this.dataSource.transaction(async (manager) => {
      const messages = this.messages.in(manager);
      const lastVersion = await messages.lastVersion(roomId, true);
      if (lastVersion === undefined) throw roomNotFound();
      const { role } = await requireMember(this.rooms.in(manager), roomId, userId);
      const row = await messages.findBySeq(roomId, seq);
      if (row === undefined) throw messageNotFound();
      const message = messageView(row);
      const change = await plan(message, { userId, role }, messages);
      if (change === undefined) return message;
      return this.store(manager, message, change, userId, lastVersion + 1);
    });
  }

  private async store(
    manager: EntityManager,
    message: MessageView,
    change: MessageChange,
    userId: string,
    version: number,
  ): Promise<MessageView> {
    const messages = this.messages.in(manager);
    const row = await messages.updateMessage(message.id, { ...change, version });
    if (row === undefined) throw new Error(`message ${message.id} vanished under its room's lock`);
    await messages.setLastVersion(message.roomId, version);
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
