import { eventually } from '@scale-chat/wait';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { BroadcastPacket } from './options';
import {
  clusterOptions,
  collect,
  connectClient,
  startCluster,
  type Instance,
} from './testing/cluster';

/** A chat room's messages: the stream is the room, the position the message's seq. */
const positionOf = (packet: BroadcastPacket) => {
  const [event, message] = Array.isArray(packet.data) ? (packet.data as unknown[]) : [];
  if (event !== 'message:new') return undefined;
  const { roomId, seq } = message as { roomId: string; seq: number };
  return { stream: roomId, position: seq };
};

describe('broadcasts in ordered streams (positionOf)', () => {
  let nodes: Instance[];
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    nodes = await startCluster(2, clusterOptions({ positionOf }));
    for (const node of nodes) node.io.on('connection', (socket) => void socket.join('room'));
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((node) => node.close()));
  });

  it('delivers each position once on every instance when a second sender repeats what the first sent', async () => {
    const [first, second] = nodes as [Instance, Instance];
    const listeners = await Promise.all(nodes.map((node) => connectClient(node.url)));
    clients.push(...listeners);
    const received = listeners.map((socket) =>
      collect<{ roomId: string; seq: number }>(socket, 'message:new'),
    );
    const others = listeners.map((socket) => collect<number>(socket, 'other'));
    const send = (node: Instance, roomId: string, seq: number) =>
      node.io.to('room').emit('message:new', { roomId, seq });

    // The first sender gets to 3 and dies; the second takes over from 2 and goes on.
    for (const seq of [1, 2, 3]) send(first, 'a', seq);
    await eventually('the first three', () => received.every((list) => list.length === 3), 10_000);
    for (const seq of [2, 3, 4, 5]) send(second, 'a', seq);
    // Another stream is its own; broadcasts in no stream are never dropped.
    for (const seq of [1, 1]) send(second, 'b', seq);
    for (const n of [7, 7]) second.io.to('room').emit('other', n);

    await eventually(
      'the broadcasts in no stream',
      () => others.every((list) => list.length === 2),
      10_000,
    );
    for (const list of received) {
      expect(list.map(({ roomId, seq }) => `${roomId}${seq}`)).toEqual([
        'a1',
        'a2',
        'a3',
        'a4',
        'a5',
        'b1',
      ]);
    }
    for (const list of others) expect(list).toEqual([7, 7]);
    expect(nodes.map((node) => node.io.of('/').adapter)).toEqual(
      nodes.map(() => expect.objectContaining({ repeatsDropped: 3 })),
    );
  });
});
