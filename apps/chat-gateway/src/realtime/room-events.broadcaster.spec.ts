import { randomUUID } from 'node:crypto';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  ROOM_EVENT_TYPES,
  type EventEnvelope,
  type MessageView,
} from '@scale-chat/contracts';
import type { OutboxRelayService, RelayedEvent } from '@scale-chat/platform';
import type { ChatMetrics } from './chat-metrics';
import type { LiveRooms } from './live-rooms';
import { RoomEventsBroadcaster } from './room-events.broadcaster';
import { messageFixture } from '../testing/message-fixture';

const roomId = randomUUID();
const sent = (seq: number): EventEnvelope => {
  const message = messageFixture({
    id: randomUUID(),
    roomId,
    seq,
    senderId: randomUUID(),
    body: `message ${seq}`,
    clientMsgId: `c${seq}`,
  });
  return {
    id: randomUUID(),
    type: ROOM_EVENT_TYPES.messageSent,
    occurredAt: message.createdAt,
    data: { message },
  };
};

/** The broadcaster's batch logic against stand-ins for the relay, the sockets and the adapter. */
function broadcaster() {
  const broadcast: number[] = [];
  let refused = 0;
  const live = {
    messageStored: (message: MessageView) => broadcast.push(message.seq),
    published: () => Promise.resolve(),
    refusedBroadcasts: () => refused,
  } as unknown as LiveRooms;
  const metrics = { messagesOut: { inc: () => undefined } } as unknown as ChatMetrics;
  let relayed: ((events: readonly RelayedEvent[]) => Promise<void>) | undefined;
  const relay = {
    relayAlongside: (handler: typeof relayed) => (relayed = handler),
  } as unknown as OutboxRelayService;
  new RoomEventsBroadcaster(live, metrics, relay).onModuleInit();
  const relayBatch = (events: readonly RelayedEvent[]) => {
    if (relayed === undefined) throw new Error('the broadcaster did not join the relay');
    return relayed(events);
  };
  const read = (events: readonly EventEnvelope[], topic = CHAT_ROOM_EVENTS_TOPIC.name) =>
    relayBatch(events.map((envelope) => ({ topic, envelope })));
  return { read, broadcast, refuseNext: () => (refused += 1) };
}

describe('RoomEventsBroadcaster', () => {
  it('broadcasts the room events of what the relay publishes, nothing of other topics', async () => {
    const { read, broadcast } = broadcaster();
    await read([sent(1)], 'chat.something-else');
    await read([{ ...sent(2), type: 'room.unknown' }]);
    await read([sent(3)]);
    expect(broadcast).toEqual([3]);
  });

  it('broadcasts each message once, however often its batch is relayed', async () => {
    const { read, broadcast } = broadcaster();
    await read([sent(1), sent(2)]);
    await read([sent(1), sent(2), sent(3)]);
    expect(broadcast).toEqual([1, 2, 3]);
  });

  it('fails a batch whose broadcasts the adapter refused, and broadcasts it again when read again', async () => {
    const { read, broadcast, refuseNext } = broadcaster();
    await read([sent(1)]);
    const batch = [sent(2), sent(3)];
    const refusing = read(batch);
    refuseNext();
    await expect(refusing).rejects.toThrow('refused');
    await read(batch);
    expect(broadcast).toEqual([1, 2, 3, 2, 3]);
    await read(batch);
    expect(broadcast).toEqual([1, 2, 3, 2, 3]);
  });
});
