import { randomUUID } from 'node:crypto';
import { ROOM_EVENT_TYPES, type EventEnvelope, type MessageView } from '@scale-chat/contracts';
import type { ChatMetrics } from './chat-metrics';
import type { LiveRooms } from './live-rooms';
import { roomEventOf, RoomEventsFanout } from './room-events.fanout';
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

/** The fan-out's batch logic against a stand-in for the sockets and the adapter. */
function fanout() {
  const broadcast: number[] = [];
  let refused = 0;
  const live = {
    messageStored: (message: MessageView) => broadcast.push(message.seq),
    published: () => Promise.resolve(),
    refusedBroadcasts: () => refused,
  } as unknown as LiveRooms;
  const metrics = { messagesOut: { inc: () => undefined } } as unknown as ChatMetrics;
  const fanout = new RoomEventsFanout(live, metrics);
  const read = (events: readonly EventEnvelope[]) => fanout.broadcast(events.map(roomEventOf));
  return { read, broadcast, refuseNext: () => (refused += 1) };
}

describe('RoomEventsFanout', () => {
  it('broadcasts each message once, however often its record is read', async () => {
    const { read, broadcast } = fanout();
    await read([sent(1), sent(2)]);
    await read([sent(1), sent(2), sent(3)]);
    expect(broadcast).toEqual([1, 2, 3]);
  });

  it('fails a batch whose broadcasts the adapter refused, and broadcasts it again when read again', async () => {
    const { read, broadcast, refuseNext } = fanout();
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
