import { Injectable } from '@nestjs/common';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  ROOM_EVENT_TYPES,
  type MemberJoined,
  type MemberLeft,
  type MessageSent,
  type RoomCreated,
} from '@scale-chat/contracts';
import { eventHandler, ServiceEventConsumers } from '@scale-chat/platform';
import { ChatMetrics } from './chat-metrics';
import { LiveRooms } from './live-rooms';
import {
  parseMemberJoined,
  parseMemberLeft,
  parseMessageSent,
  parseRoomCreated,
} from './room-events.parsers';

/** Rooms whose last broadcast `seq` is remembered; the least recent are forgotten first. */
const REMEMBERED_ROOMS = 100_000;

/**
 * Turns the rooms' stored history (`chat.room-events`, relayed from the outbox in each
 * room's commit order) into socket events. The gateways share one consumer group, so each
 * room's events are broadcast by one instance at a time, in order, through the cluster
 * adapter, which delivers them in that order on every instance: `message:new` reaches
 * every member's sockets in `seq` order, and also when the sender's instance died right
 * after storing it. A record read twice (a rebalance) is not broadcast twice by the same
 * instance; clients drop the rare repeat after a crash by its `seq`.
 */
@Injectable()
export class RoomEventsFanout {
  private readonly broadcastSeq = new Map<string, number>();

  constructor(
    consumers: ServiceEventConsumers,
    private readonly live: LiveRooms,
    metrics: ChatMetrics,
  ) {
    consumers.register({
      name: 'room-events-fanout',
      topics: [CHAT_ROOM_EVENTS_TOPIC],
      fromBeginning: false,
      dedupe: 'handler',
      handlers: [
        eventHandler<MessageSent>({
          type: ROOM_EVENT_TYPES.messageSent,
          parse: parseMessageSent,
          handle: ({ data }) => {
            const { message } = data;
            if (message.seq <= (this.broadcastSeq.get(message.roomId) ?? 0)) return done;
            this.remember(message.roomId, message.seq);
            this.live.messageStored(message);
            metrics.messagesOut.inc();
            return done;
          },
        }),
        eventHandler<RoomCreated>({
          type: ROOM_EVENT_TYPES.roomCreated,
          parse: parseRoomCreated,
          handle: ({ data }) => {
            this.live.joined(data.room, data.room.members);
            return done;
          },
        }),
        eventHandler<MemberJoined>({
          type: ROOM_EVENT_TYPES.memberJoined,
          parse: parseMemberJoined,
          handle: ({ data }) => {
            this.live.joined(data.room, [data.member]);
            this.live.memberJoined(data.roomId, data.member.userId);
            return done;
          },
        }),
        eventHandler<MemberLeft>({
          type: ROOM_EVENT_TYPES.memberLeft,
          parse: parseMemberLeft,
          handle: ({ data }) => {
            this.live.left(data.roomId, data.userId);
            return done;
          },
        }),
      ],
    });
  }

  private remember(roomId: string, seq: number): void {
    this.broadcastSeq.delete(roomId);
    this.broadcastSeq.set(roomId, seq);
    if (this.broadcastSeq.size > REMEMBERED_ROOMS) {
      const oldest = this.broadcastSeq.keys().next().value;
      if (oldest !== undefined) this.broadcastSeq.delete(oldest);
    }
  }
}

const done = Promise.resolve();
