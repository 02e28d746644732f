import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  ROOM_EVENT_TYPES,
  type MessageSent,
  type MessageView,
} from '@scale-chat/contracts';
import { currentCorrelationId, enqueueEvents } from '@scale-chat/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ChatMetrics } from '../realtime/chat-metrics';
import { LiveRooms } from '../realtime/live-rooms';
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
import { MESSAGE_COLUMNS, messageView, type MessageRow } from '../rooms/room-views';
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
    replyToSeq?: number,
  ): Promise<SendOutcome> {
    const correlationId = currentCorrelationId();
    return this.batcher.submit({
      senderId,
      roomId,
      clientMsgId,
      body,
      ...(replyToSeq === undefined ? {} : { replyToSeq }),
      ...(correlationId === undefined ? {} : { correlationId }),
    });
  }

  private async storeBatch(requests: readonly SendRequest[]): Promise<ItemOutcome<SendOutcome>[]> {
    const outcomes = await this.dataSource.transaction(async (manager) => {
      const state = await readLockedState(manager, requests);
      const { plans, lastSeq, lastVersion } = planSends(requests, state);
      const inserts = requests.flatMap((request, index) => {
        const plan = plans[index];
        return plan?.kind === 'insert' ? [{ request, plan }] : [];
      });
      const stored = new Map<string, MessageView>();
      if (inserts.length > 0) {
        const mentions = await readMentions(
          manager,
          inserts.map(({ request }) => request),
        );
        // Mentions as one JSON text per row: unnest would flatten an array of uuid[].
        const rows = (await manager.query(
          `INSERT INTO "messages" ("id", "room_id", "seq", "sender_id", "body", "client_msg_id",
                                   "version", "reply_to_seq", "mentions")
           SELECT i, r, s, u, b, c, v, p, ARRAY(SELECT jsonb_array_elements_text(m::jsonb))::uuid[]
             FROM unnest($1::uuid[], $2::uuid[], $3::bigint[], $4::uuid[], $5::text[], $6::text[],
                         $7::bigint[], $8::bigint[], $9::text[]) AS x(i, r, s, u, b, c, v, p, m)
           RETURNING ${MESSAGE_COLUMNS}`,
          [
            inserts.map(({ plan }) => plan.id),
            inserts.map(({ request }) => request.roomId),
            inserts.map(({ plan }) => plan.seq),
            inserts.map(({ request }) => request.senderId),
            inserts.map(({ request }) => request.body),
            inserts.map(({ request }) => request.clientMsgId),
            inserts.map(({ plan }) => plan.version),
            inserts.map(({ request }) => request.replyToSeq ?? null),
            inserts.map(({ request }) => JSON.stringify(mentions(request))),
          ],
        )) as MessageRow[];
        for (const row of rows) stored.set(row.id, messageView(row));
        await manager.query(
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
  manager: EntityManager,
  requests: readonly SendRequest[],
): Promise<LockedState> {
  const roomIds = [...new Set(requests.map((request) => request.roomId.toLowerCase()))];
  const rooms = (await manager.query(
    `SELECT "id", "last_seq", "last_version" FROM "rooms"
      WHERE "id" = ANY($1::uuid[]) AND "status" = 'active'
      ORDER BY "id" FOR UPDATE`,
    [roomIds],
  )) as { id: string; last_seq: string; last_version: string }[];
  const lastSeq = new Map(rooms.map((room) => [room.id, Number(room.last_seq)]));
  const lastVersion = new Map(rooms.map((room) => [room.id, Number(room.last_version)]));
  const candidates = requests.filter((request) => lastSeq.has(request.roomId.toLowerCase()));
  if (candidates.length === 0)
    return { lastSeq, lastVersion, members: new Set(), stored: new Map() };
  const members = (await manager.query(
    `SELECT "room_id", "user_id" FROM "room_members"
      WHERE ("room_id", "user_id") IN (SELECT * FROM unnest($1::uuid[], $2::uuid[]))
        AND "status" = 'active'`,
    [candidates.map((request) => request.roomId), candidates.map((request) => request.senderId)],
  )) as { room_id: string; user_id: string }[];
  const repeats = (await manager.query(
    `SELECT ${MESSAGE_COLUMNS} FROM "messages"
      WHERE ("room_id", "sender_id", "client_msg_id")
         IN (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[]))`,
    [
      candidates.map((request) => request.roomId),
      candidates.map((request) => request.senderId),
      candidates.map((request) => request.clientMsgId),
    ],
  )) as MessageRow[];
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
