import { eventually } from '@scale-chat/wait';
import { Kafka, logLevel } from 'kafkajs';
import type { Socket as ClientSocket } from 'socket.io-client';
import { encodeMessage, MessageType, ResponseType, type ClusterMessage } from './messages';
import {
  brokers,
  clusterOptions,
  collect,
  connectClient,
  startCluster,
  type Instance,
} from './testing/cluster';

/*
 * What an application or another program can put in the adapter's way on a real broker:
 * socket data msgpack cannot carry, and decodable records no instance wrote. The cluster
 * goes on: nothing throws, nobody is cut off.
 */
describe('the Kafka adapter with data it cannot carry and records it did not write', () => {
  let nodes: Instance[];
  const clients: ClientSocket[] = [];
  const options = clusterOptions();

  const node = (index: number): Instance => {
    const found = nodes[index];
    if (found === undefined) throw new Error(`no node ${index}`);
    return found;
  };

  beforeAll(async () => {
    nodes = await startCluster(2, options);
    for (const instance of nodes) {
      instance.io.on('connection', (socket) => {
        const { user } = socket.handshake.auth as { user: string };
        const data: Record<string, unknown> = { user };
        if (user === 'big') data['balance'] = 10n;
        if (user === 'loop') data['self'] = data;
        socket.data = data;
        void socket.join('room');
      });
    }
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((instance) => instance.close()));
  });

  const connect = async (index: number, user: string) => {
    const client = await connectClient(node(index).url, { auth: { user } });
    clients.push(client);
    return client;
  };

  it('leaves a socket whose data cannot be encoded out, and serves the others', async () => {
    await connect(0, 'big');
    await connect(0, 'loop');
    await connect(0, 'ann');
    await eventually('the refused snapshots', () => node(0).adapter.bus.stats.refused >= 2);
    const sockets = await node(1).io.in('room').fetchSockets();
    expect(sockets.map((socket) => socket.data)).toEqual([{ user: 'ann' }]);
  });

  it('closes such a socket on a recoverable drop without throwing', async () => {
    const client = await connect(0, 'big');
    const local = () => node(0).io.of('/').sockets.size;
    const before = local();
    const refused = node(0).adapter.bus.stats.refused;
    (client.io as unknown as { engine: { close(): void } }).engine.close();
    await eventually('the socket to be gone', () => local() === before - 1);
    expect(node(0).adapter.bus.stats.refused).toBeGreaterThan(refused);
  });

  it('skips records no instance wrote, and keeps every instance in the cluster', async () => {
    const [a, b] = [node(0).adapter.bus, node(1).adapter.bus];
    const listener = await connect(1, 'cat');
    const received = collect<string>(listener, 'after');
    const malformedBefore = b.stats.malformed;
    const hostile: ClusterMessage[] = [
      { uid: 'stranger', seq: 1, type: MessageType.ServerSideEmit, nsp: '/', args: ['error'] },
      { uid: 'stranger', seq: 2, type: MessageType.ServerSideEmit, nsp: '/', args: [7] },
      {
        uid: 'stranger',
        seq: 3,
        type: MessageType.Response,
        nsp: '/',
        requester: b.uid,
        requestId: 'q',
        response: ResponseType.FetchSockets,
        sockets: [{ id: 5 } as never],
      },
      // In a live instance's name, far ahead of its sequence numbers.
      { uid: a.uid, seq: 1e12, type: MessageType.SessionEnd, nsp: '/', pid: 'p' },
      { uid: b.uid, seq: 1e12, type: MessageType.SessionEnd, nsp: '/', pid: 'p' },
      { uid: 'stranger', seq: 4, type: MessageType.SessionEnd, nsp: '/', pid: 'p' },
    ];
    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic: options.topic as string,
      messages: hostile.map((message) => ({ value: encodeMessage(message) })),
    });
    await producer.disconnect();

    await eventually('the malformed records', () => b.stats.malformed - malformedBefore >= 4);
    // Two heartbeat timeouts: neither is silenced nor counts the stranger in.
    await new Promise((resolve) => setTimeout(resolve, 2 * (options.heartbeatTimeout ?? 0)));
    expect([a.serverCount(), b.serverCount()]).toEqual([2, 2]);
    expect([a.health().healthy, b.health().healthy]).toEqual([true, true]);
    node(0).io.to('room').emit('after', 'still here');
    await eventually('a broadcast after them', () => received.length === 1);
  });
});
