import { eventually } from '@scale-chat/wait';
import type { Socket as ClientSocket } from 'socket.io-client';
import {
  clusterOptions,
  collect,
  connectClient,
  once,
  startCluster,
  type Instance,
} from './testing/cluster';

// Each cycle is a few Kafka round trips: 50 fit the test's time (180 s) on a busy machine;
// more measure the recovery rate (RECOVERY_CYCLES=200, say, and a machine to spare).
const CYCLES = Number(process.env['RECOVERY_CYCLES'] ?? 50);

function nodeAt(nodes: Instance[], index: number): Instance {
  const node = nodes[index];
  if (node === undefined) throw new Error(`no node ${index}`);
  return node;
}

describe('delivery and recovery across three instances', () => {
  let nodes: Instance[];
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    nodes = await startCluster(3, clusterOptions());
    for (const node of nodes) {
      node.io.on('connection', (socket) => {
        // A recovered socket must come back with its rooms and data restored, not re-made.
        if (socket.recovered) return;
        socket.data = { user: (socket.handshake.auth as { user?: string }).user };
        void socket.join('chat');
      });
    }
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((node) => node.close()));
  });

  it('delivers 10,000 messages to one room to clients on all three instances, complete and in order', async () => {
    const listeners = await Promise.all(nodes.map((node) => connectClient(node.url)));
    clients.push(...listeners);
    const received = listeners.map((socket) => collect<number>(socket, 'bulk'));
    const count = 10_000;
    const started = Date.now();
    for (let index = 0; index < count; index++) nodeAt(nodes, 0).io.to('chat').emit('bulk', index);
    await eventually(
      '10,000 messages',
      () => received.every((list) => list.length >= count),
      60_000,
    );
    const elapsed = Date.now() - started;
    const expected = Array.from({ length: count }, (_, index) => index);
    for (const list of received) expect(list).toEqual(expected);
    expect(nodeAt(nodes, 0).adapter.bus.stats.refused).toBe(0);
    process.stdout.write(`10,000 messages × 3 instances in ${elapsed} ms\n`);
  }, 90_000);

  it('delivers a burst larger than the broker takes in one request (message.max.bytes), complete and in order', async () => {
    const listeners = await Promise.all(nodes.slice(1).map((node) => connectClient(node.url)));
    clients.push(...listeners);
    const received = listeners.map((socket) => collect<{ n: number }>(socket, 'long'));
    // 300 broadcasts of 12 KB (4,000 Korean characters) in one turn: 3.6 MB queued at once.
    const body = '가'.repeat(4_000);
    for (let n = 0; n < 300; n++) nodeAt(nodes, 0).io.to('chat').emit('long', { n, body });
    await eventually(
      '300 long messages',
      () => received.every((list) => list.length >= 300),
      30_000,
    );
    const expected = Array.from({ length: 300 }, (_, n) => n);
    for (const list of received) expect(list.map(({ n }) => n)).toEqual(expected);
    expect(nodeAt(nodes, 0).adapter.bus.stats.refused).toBe(0);
  }, 60_000);

  it('gives every client the same order when all three instances emit at once', async () => {
    const listeners = await Promise.all(nodes.map((node) => connectClient(node.url)));
    clients.push(...listeners);
    const received = listeners.map((socket) => collect<string>(socket, 'mixed'));
    const perNode = 500;
    for (let index = 0; index < perNode; index++) {
      nodes.forEach((node, nodeIndex) => node.io.to('chat').emit('mixed', `${nodeIndex}:${index}`));
    }
    await eventually(
      'mixed messages',
      () => received.every((list) => list.length >= perNode * 3),
      30_000,
    );
    const [first, ...others] = received;
    for (const list of others) expect(list).toEqual(first);
    for (let nodeIndex = 0; nodeIndex < 3; nodeIndex++) {
      const fromNode = (first ?? []).filter((entry) => entry.startsWith(`${nodeIndex}:`));
      expect(fromNode).toEqual(
        Array.from({ length: perNode }, (_, index) => `${nodeIndex}:${index}`),
      );
    }
  });

  it(`recovers a connection dropped on one instance on another (${CYCLES} cycles), with every missed packet`, async () => {
    const client = await connectClient(nodeAt(nodes, 0).url, {
      auth: { user: 'eve' },
      reconnection: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
      randomizationFactor: 0,
    });
    clients.push(client);
    const received = collect<number>(client, 'msg');
    const emitter = nodeAt(nodes, 2);
    let sent = 0;
    emitter.io.to('chat').emit('msg', sent++);
    await eventually('first message', () => received.length === 1);
    const originalId = client.id;
    const manager = client.io as unknown as { uri: string; engine: { close(): void } };

    let recovered = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      manager.uri = nodeAt(nodes, cycle % 2 === 0 ? 1 : 0).url;
      const gone = once(client, 'disconnect');
      manager.engine.close();
      await gone;
      emitter.io.to('chat').emit('msg', sent++);
      emitter.io.to('chat').emit('msg', sent++);
      await once(client, 'connect');
      if (client.recovered) recovered += 1;
      await eventually(`messages of cycle ${cycle}`, () => received.length >= sent);
    }

    process.stdout.write(
      `recovery across instances: ${recovered}/${CYCLES} (${((100 * recovered) / CYCLES).toFixed(1)}%)\n`,
    );
    expect(recovered).toBe(CYCLES);
    expect(client.id).toBe(originalId);
    expect(received).toEqual(Array.from({ length: sent }, (_, index) => index));
    const [restored] = await nodeAt(nodes, 2)
      .io.in(originalId as string)
      .fetchSockets();
    expect([...(restored?.rooms ?? [])].sort()).toEqual([originalId, 'chat'].sort());
    expect(restored?.data).toEqual({ user: 'eve' });
  }, 180_000);
});
