import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  MESSAGE_CHANGE_TYPES,
  ROOM_EVENT_TYPES,
  type MemberJoined,
  type MemberLeft,
  type MessageChanged,
  type MessageChangeType,
  type MessageSent,
  type MessageView,
  type RoomCreated,
  type EventEnvelope,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import {
  consumerGroup,
  OnEventBatch,
  RetryLaterError,
  type EventSchema,
} from '@scale-chat/platform';
import { ChatMetrics } from './chat-metrics';
import { LiveRooms } from './live-rooms';

const CHANGE_TYPES: readonly string[] = Object.values(MESSAGE_CHANGE_TYPES);
const isChange = (type: string): type is MessageChangeType => CHANGE_TYPES.includes(type);

/** Rooms whose last broadcast `version` is remembered; the least recent are forgotten first. */
const REMEMBERED_ROOMS = 100_000;

/** One event of `chat.room-events`, read and typed. */
type RoomEvent =
  | { readonly type: typeof ROOM_EVENT_TYPES.messageSent; readonly data: MessageSent }
  | { readonly type: typeof ROOM_EVENT_TYPES.roomCreated; readonly data: RoomCreated }
  | { readonly type: typeof ROOM_EVENT_TYPES.memberJoined; readonly data: MemberJoined }
  | { readonly type: typeof ROOM_EVENT_TYPES.memberLeft; readonly data: MemberLeft }
  | { readonly type: MessageChangeType; readonly data: MessageChanged };

/** What the fan-out reads: each room event and message change, checked by its schema. */
const ROOM_EVENT_SCHEMAS = Object.fromEntries(
  [...Object.values(ROOM_EVENT_TYPES), ...CHANGE_TYPES].map((type) => [
    type,
    EVENT_SCHEMAS[type as RoomEvent['type']],
  ]),
) as Readonly<Record<RoomEvent['type'], EventSchema<unknown>>>;

/** A room event whose data its type's schema has checked. */
export const roomEventOf = ({ type, data }: EventEnvelope): RoomEvent =>
  ({ type, data }) as RoomEvent;

/** The gateways' one group: each room's events are broadcast by one instance at a time. */
const ROOM_EVENTS_FANOUT = consumerGroup({
  name: 'room-events-fanout',
  topics: [CHAT_ROOM_EVENTS_TOPIC],
  fromBeginning: false,
  concurrency: 3,
});

/**
 * Turns the rooms' stored history (`chat.room-events`, relayed from the outbox in each
 * room's commit order) into socket events. The gateways share one consumer group, so each
 * room's events are broadcast by one instance at a time, in order, through the cluster
 * adapter, which delivers them in that order on every instance: `message:new` reaches
 * every member's sockets in `seq` order, and also when the sender's instance died right
 * after storing it; `message:updated` (edits, deletions, reactions) takes the same path,
 * so both reach them in the room's `version` order. A record read twice (a rebalance) is
 * not broadcast twice by the same instance (by its `version`); clients drop the rare
 * repeat after a crash by its `version`.
 */
@Controller()
export class RoomEventsFanout {
  private readonly broadcastVersion = new Map<string, number>();

  constructor(
    private readonly live: LiveRooms,
    private readonly metrics: ChatMetrics,
  ) {}

  /**
   * A batch's broadcasts go out together; the offsets move on only once they are all in
   * Kafka, so an instance that dies right after reading leaves them to the next. One
   * refused (Kafka away long enough to fill the buffer) fails the batch: it is read and
   * broadcast again, its messages no longer counted as sent.
   */
  @OnEventBatch(ROOM_EVENTS_FANOUT, {
    schemas: ROOM_EVENT_SCHEMAS,
    item: roomEventOf,
    // Sockets only: no database, so no transaction on the hot path.
    transactional: false,
  })
  async broadcast(@Payload() events: readonly RoomEvent[]): Promise<void> {
    const refusedBefore = this.live.refusedBroadcasts();
    const versionsBefore = new Map<string, number | undefined>();
    for (const event of events) this.apply(event, versionsBefore);
    await this.live.published();
    if (this.live.refusedBroadcasts() > refusedBefore) {
      for (const [roomId, version] of versionsBefore) {
        if (version === undefined) this.broadcastVersion.delete(roomId);
        else this.broadcastVersion.set(roomId, version);
      }
      // Not the events' fault: read again for as long as Kafka is away, never skipped.
      throw new RetryLaterError('the adapter refused some of these broadcasts; they go out again');
    }
  }

  /**
   * Broadcasts `event`; `versionsBefore` keeps each room's last broadcast version before
   * the batch.
   */
  private apply(event: RoomEvent, versionsBefore: Map<string, number | undefined>): void {
    if (isChange(event.type)) {
      const { message } = event.data as MessageChanged;
      if (this.isNew(message, versionsBefore)) this.live.messageUpdated(message);
      return;
    }
    switch (event.type) {
      case ROOM_EVENT_TYPES.messageSent: {
        const { message } = event.data;
        if (!this.isNew(message, versionsBefore)) return;
        this.live.messageStored(message);
        this.metrics.messagesOut.inc();
        return;
      }
      case ROOM_EVENT_TYPES.roomCreated:
        this.live.joined(event.data.room, event.data.room.members);
        return;
      case ROOM_EVENT_TYPES.memberJoined:
        this.live.joined(event.data.room, [event.data.member]);
        this.live.memberJoined(event.data.roomId, event.data.member.userId);
        return;
      case ROOM_EVENT_TYPES.memberLeft:
        this.live.left(event.data.roomId, event.data.userId);
        if (event.data.newOwnerId !== undefined)
          this.live.ownerChanged(event.data.roomId, event.data.newOwnerId);
        return;
    }
  }

  /** Whether `message`'s change is after the room's last broadcast; if so, remembers it. */
  private isNew(message: MessageView, versionsBefore: Map<string, number | undefined>): boolean {
    const { roomId, version } = message;
    if (version <= (this.broadcastVersion.get(roomId) ?? 0)) return false;
    if (!versionsBefore.has(roomId)) versionsBefore.set(roomId, this.broadcastVersion.get(roomId));
    this.broadcastVersion.delete(roomId);
    this.broadcastVersion.set(roomId, version);
    if (this.broadcastVersion.size > REMEMBERED_ROOMS) {
      const oldest = this.broadcastVersion.keys().next().value;
      if (oldest !== undefined) this.broadcastVersion.delete(oldest);
    }
    return true;
  }
}
