import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  ROOM_EVENT_TYPES,
  type MessageSent,
  type MessageView,
} from '@scale-chat/contracts';
import { currentCorrelationId, enqueueEvents } from '@scale-chat/platform';
import type { DataSource } from 'typeorm';
import { ChatMetrics } from '../realtime/chat-metrics';
import { LiveRooms } from '../realtime/live-rooms';
import { RoomsRepository } from '../rooms/rooms.repository';
import { requireMember } from '../rooms/room-access';
import {
  memberKey,
  planSends,
  sendKey,
  type LockedState,
  type SendPlan,
  type SendRequest,
} from './plan-sends';
import { SendBatcher, type ItemOutcome } from './send-batcher';
import { messageView } from '../rooms/room-views';
import { MessagesRepository } from './messages.repository';
import { readMentions } from './member-names';

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

/** The most sends stored in one transaction... */
const MAX_BATCH = 256;
/** ...and the most of one sender's: a burst (a flood's allowance, say) waits its turns. */
const MAX_BATCH_PER_SENDER = 32;

/**
 * Messages of a room. Sends are stored by group commit (`SendBatcher`): the sends that
 * arrive while a batch is being stored go together as the next one, in one transaction
 * that locks the batch's rooms in id order (so batches of several instances queue on a
 * shared room and never deadlock), reads the senders' memberships and the repeated
 * `clientMsgId`s under those locks, numbers each room's new messages gaplessly, and
 * writes the messages, the rooms' `last_seq` and the `message.sent` events set-wise. So
 * `seq` has no gaps and no repeats whatever the instances, a repeat answers with the
 * original, and the outbox keeps a room's events in `seq` order on their way to every
 * gateway's sockets. Each item is decided as if it were alone (`planSends`).
 */
@Injectable()
export class MessagesService {
  private readonly batcher = new SendBatcher<SendRequest, SendOutcome>(
    (requests) => this.storeBatch(requests),
    MAX_BATCH,
    (request) => request.senderId,
    MAX_BATCH_PER_SENDER,
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly messages: MessagesRepository,
    private readonly rooms: RoomsRepository,
    private readonly live: LiveRooms,
    private readonly metrics: ChatMetrics,
  ) {}

  /**
   * Stores a message, or finds the original of a repeated `clientMsgId`. Queued at once,
   * before this returns: calls made one after another are stored in that order.
   */
  send(
    senderId: string,
    roomId: string,
    clientMsgId: string,
    body: string,
    /** Absent or null: not a reply (a message view says null). */
    replyToSeq?: number | null,
  ): Promise<SendOutcome> {
    const correlationId = currentCorrelationId();
    return this.batcher.submit({
      senderId,
      roomId,
      clientMsgId,
      body,
      ...(replyToSeq === undefined || replyToSeq === null ? {} : { replyToSeq }),
      ...(correlationId === undefined ? {} : { correlationId }),
    });
  }

  private async storeBatch(requests: readonly SendRequest[]): Promise<ItemOutcome<SendOutcome>[]> {
    const outcomes = await this.dataSource.transaction(async (manager) => {
      const messages = this.messages.in(manager);
      const state = await readLockedState(messages, requests);
      const { plans, lastSeq, lastVersion } = planSends(requests, state);
      const inserts = requests.flatMap((request, index) => {
        const plan = plans[index];
        return plan?.kind === 'insert' ? [{ request, plan }] : [];
      });
      const stored = new Map<string, MessageView>();
      if (inserts.length > 0) {
        const mentions = await readMentions(
          messages,
          inserts.map(({ request }) => request),
        );
        const rows = await messages.insertMessages(
          inserts.map(({ request, plan }) => ({
            id: plan.id,
            roomId: request.roomId,
            seq: plan.seq,
            senderId: request.senderId,
            body: request.body,
            clientMsgId: request.clientMsgId,
            version: plan.version,
            replyToSeq: request.replyToSeq ?? null,
            mentions: mentions(request),
          })),
        );
        for (const row of rows) stored.set(row.id, messageView(row));
        await messages.advanceRooms(lastSeq, lastVersion);
        await enqueueEvents<MessageSent>(
          manager,
          inserts.map(({ request, plan }) => {
            const message = storedView(stored, plan.id);
            // Keyed by the stored id (lower case): one room, one partition, one order.
            return {
              topic: CHAT_ROOM_EVENTS_TOPIC,
              key: message.roomId,
              type: ROOM_EVENT_TYPES.messageSent,
              data: { message },
              ...(request.correlationId === undefined
                ? {}
                : { correlationId: request.correlationId }),
            };
          }),
        );
      }
      return outcomesOf(plans, stored);
    });
    this.metrics.messagesIn.inc(
      outcomes.filter((outcome) => outcome.ok && outcome.value.created).length,
    );
    return outcomes;
  }

  /** Messages in ascending `seq`: after a cursor, before one, between both, or the newest. */
  async page(userId: string, roomId: string, request: PageRequest): Promise<MessagePage> {
    await requireMember(this.rooms, roomId, userId);
    const { afterSeq, beforeSeq, limit } = request;
    const ascending = afterSeq !== undefined;
    const rows = await this.messages.page(
      roomId,
      afterSeq ?? 0,
      beforeSeq ?? Number.MAX_SAFE_INTEGER,
      ascending,
      limit + 1,
    );
    const hasMore = rows.length > limit;
    const items = rows.slice(0, limit).map(messageView);
    return { items: ascending ? items : items.reverse(), hasMore };
  }

  /**
   * Moves the reader's cursor forward (never back, never past the newest message) and
   * tells the room; returns the cursor.
   */
  async markRead(userId: string, roomId: string, seq: number): Promise<number> {
    const { lastSeq } = await requireMember(this.rooms, roomId, userId);
    const target = Math.min(seq, lastSeq);
    if (await this.messages.moveReadCursor(roomId, userId, target))
      this.live.read(roomId, userId, target);
    return target;
  }
}

function storedView(stored: ReadonlyMap<string, MessageView>, id: string): MessageView {
  const message = stored.get(id);
  if (message === undefined) throw new Error(`message ${id} was planned but not stored`);
  return message;
}

function outcomesOf(
  plans: readonly SendPlan[],
  stored: ReadonlyMap<string, MessageView>,
): ItemOutcome<SendOutcome>[] {
  const outcomes: ItemOutcome<SendOutcome>[] = [];
  for (const plan of plans) {
    switch (plan.kind) {
      case 'insert':
        outcomes.push({ ok: true, value: { message: storedView(stored, plan.id), created: true } });
        break;
      case 'original':
        outcomes.push({ ok: true, value: { message: plan.message, created: false } });
        break;
      case 'twin': {
        const first = outcomes[plan.of];
        if (first === undefined || !first.ok) throw new Error('a repeat came before its original');
        outcomes.push({ ok: true, value: { message: first.value.message, created: false } });
        break;
      }
      case 'refused':
        outcomes.push({ ok: false, error: plan.error });
        break;
    }
  }
  return outcomes;
}

/**
 * Locks the batch's active rooms in id order and reads, under those locks, what
 * `planSends` decides by: their `last_seq`, which senders are active members, and which
 * sends repeat a stored `clientMsgId`.
 */
async function readLockedState(
  messages: MessagesRepository,
  requests: readonly SendRequest[],
): Promise<LockedState> {
  const roomIds = [...new Set(requests.map((request) => request.roomId.toLowerCase()))];
  const rooms = await messages.lockActiveRooms(roomIds);
  const lastSeq = new Map(rooms.map((room) => [room.id, Number(room.last_seq)]));
  const lastVersion = new Map(rooms.map((room) => [room.id, Number(room.last_version)]));
  const candidates = requests.filter((request) => lastSeq.has(request.roomId.toLowerCase()));
  if (candidates.length === 0)
    return { lastSeq, lastVersion, members: new Set(), stored: new Map() };
  const members = await messages.activeMemberships(
    candidates.map((request) => ({ roomId: request.roomId, userId: request.senderId })),
  );
  const repeats = await messages.findSends(candidates);
  return {
    lastSeq,
    lastVersion,
    members: new Set(members.map((member) => memberKey(member.room_id, member.user_id))),
    stored: new Map(
      repeats.map((row) => [
        sendKey(row.room_id, row.sender_id, row.client_msg_id),
        messageView(row),
      ]),
    ),
  };
}
