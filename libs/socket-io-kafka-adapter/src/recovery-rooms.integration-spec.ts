import { eventually } from '@scale-chat/wait';
import type { Socket as ClientSocket, SocketOptions } from 'socket.io-client';
import {
  clusterOptions,
  collect,
  connectClient,
  once,
  startCluster,
  type Instance,
} from './testing/cluster';

/** Rooms a user lost while away; `mallory` may not recover at all. */
const revoked = new Set<string>();

/** A gate a recovered socket of `slow` waits at in its middlewares. */
const admission = {
  entered: () => undefined as void,
  released: Promise.resolve(),
};

describe('roomsOnRecovery: what a socket coming back may keep', () => {
  let nodes: Instance[];
  const clients: ClientSocket[] = [];
  const node = (index: number): Instance => {
    const found = nodes[index];
    if (found === undefined) throw new Error(`no node ${index}`);
    return found;
  };

  beforeAll(async () => {
    nodes = await startCluster(
      2,
      clusterOptions({
        roomsOnRecovery: ({ data, rooms }) =>
          Promise.resolve(
            (data as { user?: string }).user === 'mallory'
              ? undefined
              : rooms.filter((room) => !revoked.has(room)),
          ),
      }),
      // As chat-gateway runs them: a recovered socket passes the middlewares again.
      { connectionStateRecovery: { maxDisconnectionDuration: 120_000, skipMiddlewares: false } },
    );
    for (const instance of nodes) {
      // Holds a recovered socket of `slow` in its middlewares until the test lets it go.
      instance.io.use((socket, next) => {
        const user = (socket.data as { user?: string } | undefined)?.user;
        if (socket.recovered && user === 'refused') return next(new Error('refused'));
        const { token } = socket.handshake.auth as { token?: string };
        if (socket.recovered && token === 'stale') return next(new Error('stale'));
        if (!socket.recovered || user !== 'slow') return next();
        admission.entered();
        void admission.released.then(() => next());
      });
      instance.io.on('connection', (socket) => {
        if (socket.recovered) return;
        socket.data = { user: (socket.handshake.auth as { user?: string }).user };
        void socket.join(['open', 'secret']);
      });
    }
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((instance) => instance.close()));
  });

  /** Connects `user` to node 0, drops it, runs `meanwhile`, and lets it come back on node 1. */
  async function dropAndReturn(user: string, meanwhile: () => void | Promise<void>) {
    const client = await connectClient(node(0).url, {
      auth: { user },
      reconnection: true,
      reconnectionDelay: 20,
      reconnectionDelayMax: 20,
      randomizationFactor: 0,
    });
    clients.push(client);
    const received = collect<string>(client, 'news');
    const argCounts: number[] = [];
    client.on('news', (...args: unknown[]) => argCounts.push(args.length));
    node(0).io.to('open').emit('news', 'before');
    await eventually('the first broadcast', () => received.length === 1);
    const manager = client.io as unknown as { uri: string; engine: { close(): void } };
    manager.uri = node(1).url;
    const gone = once(client, 'disconnect');
    manager.engine.close();
    await gone;
    const back = once(client, 'connect');
    await meanwhile();
    await back;
    return { client, received, argCounts };
  }

  it('replays only what was meant for the rooms it keeps, and leaves it out of the others', async () => {
    const { client, received } = await dropAndReturn('eve', () => {
      revoked.add('secret');
      node(0).io.to('secret').emit('news', 'secret while away');
      node(0).io.to('open').emit('news', 'open while away');
    });
    expect(client.recovered).toBe(true);
    node(0).io.to('secret').emit('news', 'secret after');
    node(0).io.to('open').emit('news', 'open after');
    await eventually('the broadcast after', () => received.includes('open after'));
    expect(received).toEqual(['before', 'open while away', 'open after']);
    const [restored] = await node(1)
      .io.in(client.id as string)
      .fetchSockets();
    expect([...(restored?.rooms ?? [])].sort()).toEqual([client.id, 'open'].sort());
    revoked.clear();
  });

  it('restores nothing when it says so: the socket starts afresh and misses what was sent', async () => {
    const { client, received } = await dropAndReturn('mallory', () => {
      node(0).io.to('open').emit('news', 'open while away');
    });
    expect(client.recovered).toBe(false);
    node(0).io.to('open').emit('news', 'open after');
    await eventually('the broadcast after', () => received.includes('open after'));
    expect(received).toEqual(['before', 'open after']);
  });

  it('gets what was broadcast while its middlewares ran, once and in order', async () => {
    let release = () => undefined as void;
    const entered = new Promise<void>((resolve) => (admission.entered = resolve));
    admission.released = new Promise<void>((resolve) => (release = resolve));
    const { client, received, argCounts } = await dropAndReturn('slow', async () => {
      node(0).io.to('open').emit('news', 'while away');
      await entered;
      // Socket.IO broadcasts only to connected sockets: this one is not, yet. Node 1 has
      // read it (so holds it) before the socket goes on.
      node(0).io.to('open').emit('news', 'while admitted');
      await node(0).adapter.bus.settled();
      await node(1).adapter.bus.waitUntilCaughtUp(15_000);
      release();
    });
    expect(client.recovered).toBe(true);
    // A marker after: the client has it once it has everything broadcast before, repeats
    // included (one topic, read in order, one connection).
    const done = new Promise<void>((resolve) => client.once('done', () => resolve()));
    node(0).io.to('open').emit('news', 'after');
    node(0).io.to('open').emit('done');
    await done;
    expect(received).toEqual(['before', 'while away', 'while admitted', 'after']);
    // Each as it was broadcast: its value and its one offset (not sent anew with another).
    expect(argCounts).toEqual([2, 2, 2, 2]);
  });

  /**
   * A client of node 0 (with `auth`) that heard "before", dropped, and is pointed at node 1,
   * which holds "while away", sent meanwhile; it has not tried to come back yet.
   */
  async function awayWhileSent(auth: Partial<SocketOptions>['auth']) {
    const client = await connectClient(node(0).url, { auth, reconnection: false });
    clients.push(client);
    const received = collect<string>(client, 'news');
    node(0).io.to('open').emit('news', 'before');
    await eventually('the first broadcast', () => received.length === 1);
    const manager = client.io as unknown as { uri: string; engine: { close(): void } };
    const gone = once(client, 'disconnect');
    manager.engine.close();
    await gone;
    node(0).io.to('open').emit('news', 'while away');
    // Node 1 holds it (it would write it on restoring, before the middlewares ran).
    await node(0).adapter.bus.settled();
    await node(1).adapter.bus.waitUntilCaughtUp(15_000);
    manager.uri = node(1).url;
    return { client, received };
  }

  it('restores a session its middlewares refused once when the client tries again, with all it missed', async () => {
    const auth = { user: 'renewing', token: 'fresh' };
    const { client, received } = await awayWhileSent((callback) => callback({ ...auth }));
    // First with the token it had (expired, say): refused.
    auth.token = 'stale';
    const refused = new Promise<string>((resolve) =>
      client.once('connect_error', (error) => resolve(error.message)),
    );
    client.connect();
    expect(await refused).toBe('stale');
    // Then renewed, on the same instance: the session is still there to restore.
    auth.token = 'fresh';
    const back = once(client, 'connect');
    client.connect();
    await back;
    expect(client.recovered).toBe(true);
    await eventually('what it missed', () => received.length === 2);
    expect(received).toEqual(['before', 'while away']);
  });

  it('sends nothing it missed to a socket its middlewares refuse', async () => {
    const { client, received } = await awayWhileSent({ user: 'refused' });
    // What reaches the wire: a client drops events that come before a refused connect.
    const wire: unknown[] = [];
    client.io.on('packet', (packet: { type: number; data?: unknown[] }) => {
      if (packet.type === 2) wire.push(packet.data?.[1]);
    });
    const refused = new Promise<string>((resolve) =>
      client.once('connect_error', (error) => resolve(error.message)),
    );
    client.connect();
    expect(await refused).toBe('refused');
    // Socket.IO itself would have written it before the middlewares ran, so before the
    // refusal on the same connection.
    expect(wire).toEqual([]);
    expect(received).toEqual(['before']);
  });
});
