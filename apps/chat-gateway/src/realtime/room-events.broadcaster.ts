import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  MESSAGE_CHANGE_TYPES,
  ROOM_EVENT_TYPES,
  type MessageChangeType,
  type MessageView,
} from '@scale-chat/contracts';
import type { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import { OutboxRelayService, type RelayedEvent } from '@scale-chat/platform';
import { ChatMetrics } from './chat-metrics';
import { LiveRooms } from './live-rooms';

/** Rooms whose last broadcast `version` is remembered; the least recent are forgotten first. */
const REMEMBERED_ROOMS = 100_000;

/**
 * Every event type of a room's that the relay hands over: each must reach the sockets, so
 * a type added to the contracts' lists is a case `apply` is made to handle (its switch
 * is checked exhaustive), its data typed by its schema in `EVENT_SCHEMAS`.
 */
type RoomEventType = (typeof ROOM_EVENT_TYPES)[keyof typeof ROOM_EVENT_TYPES] | MessageChangeType;

/** One event of `chat.room-events` as the relay hands it over, typed by its type. */
type RoomEvent = {
  [T in RoomEventType]: {
    readonly type: T;
    readonly data: ReturnType<(typeof EVENT_SCHEMAS)[T]>;
  };
}[RoomEventType];

const ROOM_EVENT_TYPE_NAMES: ReadonlySet<string> = new Set<RoomEventType>([
  ...Object.values(ROOM_EVENT_TYPES),
  ...Object.values(MESSAGE_CHANGE_TYPES),
]);

/** The room events of a relayed batch (the outbox's own rows: written by this service, not checked again). */
const roomEventsAmong = (events: readonly RelayedEvent[]): RoomEvent[] =>
  events
    .filter(
      ({ topic, envelope }) =>
        topic === CHAT_ROOM_EVENTS_TOPIC.name && ROOM_EVENT_TYPE_NAMES.has(envelope.type),
    )
    .map(({ envelope: { type, data } }) => ({ type, data }) as RoomEvent);

/**
 * The accounts deleted in a batch, each at the index of its last room's leave there, with
 * every room it left in the batch.
 */
function leftByDeletedAccounts(
  events: readonly RoomEvent[],
): Map<number, { readonly userId: string; readonly roomIds: string[] }> {
  const byUser = new Map<string, { last: number; roomIds: string[] }>();
  for (const [index, event] of events.entries()) {
    if (event.type !== ROOM_EVENT_TYPES.memberLeft || event.data.reason !== 'account-deleted')
      continue;
    const left = byUser.get(event.data.userId) ?? { last: index, roomIds: [] };
    left.last = index;
    left.roomIds.push(event.data.roomId);
    byUser.set(event.data.userId, left);
  }
  return new Map([...byUser].map(([userId, { last, roomIds }]) => [last, { userId, roomIds }]));
}

/**
 * Turns the rooms' stored history into socket events, one Kafka hop from the commit: the
 * outbox relay (one instance at a time, reading the outbox in commit order) hands each
 * batch here while it publishes the same events to `chat.room-events`, and the batch's
 * broadcasts go through the cluster adapter's one ordered topic to every instance. So
 * `message:new` reaches every member's sockets in `seq` order, also when the sender's
 * instance died right after storing it (the next relay publishes the rows); and
 * `message:updated` (edits, deletions, reactions) takes the same path, so both reach
 * them in the room's `version` order. A batch relayed again (its publish failed) is not
 * broadcast twice by the same instance (by `version`); after a relay takeover, every
 * instance drops a repeated `message:new` by its `seq` (the adapter's `positionOf`), and
 * clients drop a repeated `message:updated` by its `version`.
 */
@Injectable()
export class RoomEventsBroadcaster implements OnModuleInit {
  private readonly broadcastVersion = new Map<string, number>();

  constructor(
    private readonly live: LiveRooms,
    private readonly metrics: ChatMetrics,
    private readonly relay: OutboxRelayService,
  ) {}

  onModuleInit(): void {
    this.relay.relayAlongside((events) => this.broadcast(roomEventsAmong(events)));
  }

  /**
   * A batch's broadcasts go out together; the relay counts its rows published only once
   * they are all in Kafka, so a relay that dies first leaves them to the next. One refused
   * (Kafka away long enough to fill the buffer) fails the batch: it is relayed and
   * broadcast again, its messages no longer counted as sent.
   */
  async broadcast(events: readonly RoomEvent[]): Promise<void> {
    if (events.length === 0) return;
    const refusedBefore = this.live.refusedBroadcasts();
    const versionsBefore = new Map<string, number | undefined>();
    const deletedAccounts = leftByDeletedAccounts(events);
    for (const [index, event] of events.entries()) {
      this.apply(event, versionsBefore);
      // An account deleted is offline for good. Its sockets close later (with its logins),
      // when it shares no room left to tell, so its rooms hear it now: at its last room's
      // leave in the batch, once for all the rooms it left there (its deletion leaves them
      // in one transaction), as a last disconnect is told, not once a room to a member of
      // several. (A batch holds at most 500 events: more rooms than that hear it in turns.)
      const deleted = deletedAccounts.get(index);
      if (deleted !== undefined) this.live.presence(deleted.roomIds, deleted.userId, false);
    }
    await this.live.published();
    if (this.live.refusedBroadcasts() > refusedBefore) {
      for (const [roomId, version] of versionsBefore) {
        if (version === undefined) this.broadcastVersion.delete(roomId);
        else this.broadcastVersion.set(roomId, version);
      }
      throw new Error('the adapter refused some of these broadcasts; they go out again');
    }
  }

  /**
   * Broadcasts `event`; `versionsBefore` keeps each room's last broadcast version before
   * the batch.
   */
  private apply(event: RoomEvent, versionsBefore: Map<string, number | undefined>): void {
    switch (event.type) {
      case MESSAGE_CHANGE_TYPES.messageEdited:
      case MESSAGE_CHANGE_TYPES.messageDeleted:
      case MESSAGE_CHANGE_TYPES.reactionAdded:
      case MESSAGE_CHANGE_TYPES.reactionRemoved: {
        const { message } = event.data;
        if (this.isNew(message, versionsBefore)) this.live.messageUpdated(message);
        return;
      }
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
