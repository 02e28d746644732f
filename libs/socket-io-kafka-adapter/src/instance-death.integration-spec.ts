import { eventually } from '@scale-chat/wait';
import type { Socket as ClientSocket } from 'socket.io-client';
import { startChildInstance, type ChildInstance } from './testing/child-instance';
import {
  clusterOptions,
  collect,
  connectClient,
  startCluster,
  type Instance,
} from './testing/cluster';

// Requests wait for the instances they count on far longer than a dead one takes to be
// dropped (the heartbeat timeout plus a tick), so a request that settles before its own
// timeout settled because the dead one was dropped: it would reject at the timeout.
const REQUESTS_TIMEOUT_MS = 20_000;
const options = clusterOptions({ requestsTimeout: REQUESTS_TIMEOUT_MS });

describe('an instance killed in the middle of a cluster request', () => {
  let nodes: Instance[];
  let victim: ChildInstance;
  const clients: ClientSocket[] = [];

  beforeEach(async () => {
    nodes = await startCluster(2, options);
    for (const node of nodes) {
      node.io.on('connection', (socket) => void socket.join('room'));
    }
    victim = await startChildInstance(options.topic as string, options.groupIdPrefix as string);
    await eventually('three instances', () =>
      nodes.every((node) => node.adapter.bus.serverCount() === 3),
    );
    for (const url of [...nodes.map((node) => node.url), victim.url]) {
      const client = await connectClient(url, { auth: { rooms: ['room'] } });
      client.on('ask', (ack: (reply: string) => void) => ack(client.id as string));
      clients.push(client);
    }
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await victim.kill();
    await Promise.all(nodes.map((node) => node.close()));
  });

  it('fetchSockets resolves with the sockets of the others once the dead one is dropped', async () => {
    victim.freeze();
    const started = Date.now();
    const pending = nodes[0]?.io.in('room').fetchSockets();
    await victim.kill();
    const sockets = (await pending) ?? [];
    const elapsed = Date.now() - started;
    expect(sockets.map((socket) => socket.id).sort()).toEqual(
      clients
        .slice(0, 2)
        .map((client) => client.id)
        .sort(),
    );
    // Settled by the drop (the requester no longer counts the dead one), not the timeout.
    expect(nodes[0]?.adapter.bus.serverCount()).toBe(2);
    expect(elapsed).toBeLessThan(REQUESTS_TIMEOUT_MS);
    process.stdout.write(
      `fetchSockets settled ${elapsed} ms after the instance was frozen and killed\n`,
    );
  });

  it('a broadcast with acks resolves with the acks of the others once the dead one is dropped', async () => {
    victim.freeze();
    const started = Date.now();
    const pending = nodes[1]?.io.timeout(REQUESTS_TIMEOUT_MS).emitWithAck('ask');
    await victim.kill();
    const replies = ((await pending) ?? []) as string[];
    const elapsed = Date.now() - started;
    expect(replies.sort()).toEqual(
      clients
        .slice(0, 2)
        .map((client) => client.id as string)
        .sort(),
    );
    expect(nodes[1]?.adapter.bus.serverCount()).toBe(2);
    expect(elapsed).toBeLessThan(REQUESTS_TIMEOUT_MS);
    // Each instance drops the dead one on its own heartbeat tick.
    await eventually('both instances to drop the dead one', () =>
      nodes.every((node) => node.adapter.bus.serverCount() === 2),
    );
    process.stdout.write(
      `emitWithAck settled ${elapsed} ms after the instance was frozen and killed\n`,
    );
  });

  it('recovers a socket of an instance killed with SIGKILL on another instance, with every missed packet', async () => {
    const client = await connectClient(victim.url, {
      auth: { rooms: ['room'], user: 'zed' },
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 100,
      randomizationFactor: 0,
    });
    clients.push(client);
    const [emitter, rescuer] = nodes;
    if (emitter === undefined || rescuer === undefined) throw new Error('cluster did not start');
    const received = collect<number>(client, 'n');
    let sent = 0;
    emitter.io.to('room').emit('n', sent++);
    await eventually('first packet', () => received.length === 1);
    const originalId = client.id as string;

    (client.io as unknown as { uri: string }).uri = rescuer.url;
    const reconnected = new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await victim.kill();
    for (let index = 0; index < 3; index++) emitter.io.to('room').emit('n', sent++);
    await reconnected;

    expect(client.recovered).toBe(true);
    expect(client.id).toBe(originalId);
    await eventually('missed packets', () => received.length >= sent);
    expect(received).toEqual(Array.from({ length: sent }, (_, index) => index));
    const [restored] = await rescuer.io.in(originalId).fetchSockets();
    expect([...(restored?.rooms ?? [])].sort()).toEqual([originalId, 'room'].sort());
    expect(restored?.data).toEqual({ user: 'zed' });
  });
});
