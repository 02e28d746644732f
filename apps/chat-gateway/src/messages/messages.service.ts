import { BadRequestException, Injectable } from '@nestjs/common';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  mentionCandidates,
  ROOM_EVENT_TYPES,
  type MessageView,
} from '@scale-chat/contracts';
import { currentCorrelationId, outboxHeaders } from '@scale-chat/platform';
import { ChatMetrics } from '../realtime/chat-metrics';
import { LiveRooms } from '../realtime/live-rooms';
import { RoomsRepository } from '../rooms/rooms.repository';
import { notAMember, requireMember, roomNotFound } from '../rooms/room-access';
import { SendBatcher, type ItemOutcome } from './send-batcher';
import { messageView } from '../rooms/room-views';
import { MessagesRepository, type SendRequest, type StoredSend } from './messages.repository';
import { withinPageBytes } from './page-bytes';

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
 * arrive while a batch is being stored go together as the next one, stored by one call
 * of `store_sends` (one round trip, one commit). It locks the batch's rooms in id order
 * (so batches of several instances queue on a shared room and never deadlock), decides
 * each item as if it were alone, numbers each room's new messages gaplessly and writes
 * the messages, the rooms' counters and the `message.sent` events set-wise. So `seq` has
 * no gaps and no repeats whatever the instances, a repeat answers with the original, and
 * the outbox keeps a room's events in `seq` order on their way to every gateway's
 * sockets.
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
    this.metrics.sendBatchSize.observe(requests.length);
    const stored = await this.messages.storeSends(
      requests,
      requests.map((request) => mentionCandidates(request.body)),
      requests.map((request) => outboxHeaders(request.correlationId)),
      { topic: CHAT_ROOM_EVENTS_TOPIC.name, type: ROOM_EVENT_TYPES.messageSent },
    );
    const outcomes = stored.map(outcomeOf);
    this.metrics.messagesIn.inc(stored.filter((item) => item.outcome === 'created').length);
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
    // In the page's order from its cursor: oldest first after `afterSeq`, newest first
    // otherwise, so a page cut short by its bytes keeps what is nearest the cursor.
    const page = rows.slice(0, limit).map(messageView);
    const items = withinPageBytes(page);
    const hasMore = rows.length > limit || items.length < page.length;
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

const notAReply = () => new BadRequestException('replyToSeq is not a message of this room');

function outcomeOf({ outcome, message }: StoredSend): ItemOutcome<SendOutcome> {
  switch (outcome) {
    case 'created':
    case 'original':
      if (message === null) throw new Error(`store_sends answered ${outcome} without a message`);
      return { ok: true, value: { message, created: outcome === 'created' } };
    case 'not-found':
      return { ok: false, error: roomNotFound() };
    case 'forbidden':
      return { ok: false, error: notAMember() };
    case 'bad-reply':
      return { ok: false, error: notAReply() };
  }
}
