import { eventually } from '@scale-chat/wait';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaAdapter } from './kafka-adapter';
import { encodeMessage, MessageType, type ClusterMessage } from './messages';
import type { Socket as ClientSocket } from 'socket.io-client';
import {
  brokers,
  clusterOptions,
  collect,
  connectClient,
  startCluster,
  type Instance,
} from './testing/cluster';

/** Each node puts its sockets in the rooms the client asks for and tags them. */
function acceptClients(nodes: Instance[]): void {
  nodes.forEach((node, index) => {
    node.io.on('connection', (socket) => {
      const auth = socket.handshake.auth as { user?: string; rooms?: string[] };
      socket.data = { node: index, user: auth.user };
      void socket.join(auth.rooms ?? []);
      socket.on('ping-me', (value: number, ack: (answer: number) => void) => ack(value * 2));
    });
  });
}

describe('the Kafka adapter across three instances', () => {
  let nodes: Instance[];
  let clients: ClientSocket[];
  const options = clusterOptions();

  beforeAll(async () => {
    nodes = await startCluster(3, options);
    acceptClients(nodes);
    const [a, b, c] = nodes.map((node) => node.url) as [string, string, string];
    clients = await Promise.all([
      connectClient(a, {
        auth: { user: 'ann', rooms: ['r1'] },
        extraHeaders: {
          authorization: 'Bearer secret',
          cookie: 'session=secret',
          'x-client': 'ann',
        },
      }),
      connectClient(b, { auth: { user: 'bob', rooms: ['r1', 'r2'] } }),
      connectClient(c, { auth: { user: 'cat', rooms: ['r2'] } }),
    ]);
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(nodes.map((node) => node.close()));
  });

  const node = (index: number): Instance => {
    const found = nodes[index];
    if (found === undefined) throw new Error(`no node ${index}`);
    return found;
  };
  const client = (index: number): ClientSocket => {
    const found = clients[index];
    if (found === undefined) throw new Error(`no client ${index}`);
    return found;
  };

  /** Writes raw records to the cluster topic, as another program might. */
  const writeRecords = async (values: readonly Buffer[]) => {
    const producer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic: options.topic as string,
      messages: values.map((value) => ({ value })),
    });
    await producer.disconnect();
  };

  /** Broadcasts `event` from `from` and waits until every client has it: all read this far. */
  const readUpTo = async (from: number, event: string) => {
    const received = clients.map((socket) => collect<string>(socket, event));
    node(from).io.emit(event, 'marker');
    await eventually(`every client has ${event}`, () =>
      received.every((list) => list.length === 1),
    );
  };

  it('counts every instance', async () => {
    for (const instance of nodes) expect(await instance.io.of('/').adapter.serverCount()).toBe(3);
  });

  it('delivers a broadcast to clients on every instance', async () => {
    const received = clients.map((socket) => collect<number>(socket, 'everyone'));
    node(0).io.emit('everyone', 1);
    await eventually('broadcast', () => received.every((list) => list.length === 1));
    expect(received).toEqual([[1], [1], [1]]);
  });

  it('delivers to a room only, minus the excluded rooms', async () => {
    const received = clients.map((socket) => collect<string>(socket, 'room'));
    node(0).io.to('r2').emit('room', 'to-r2');
    node(2).io.to('r1').except('r2').emit('room', 'r1-not-r2');
    await eventually('room broadcast', () => received.every((list) => list.length === 1));
    // Both were read back (each reached a client), so they are in the topic before this
    // marker: once every client has it, every instance has delivered them, or not.
    await readUpTo(1, 'after-room');
    expect(received).toEqual([['r1-not-r2'], ['to-r2'], ['to-r2']]);
  });

  it('fetchSockets returns the sockets of every instance with their handshake, rooms and data', async () => {
    const sockets = await node(1).io.in('r1').fetchSockets();
    const seen = sockets
      .map((socket) => ({
        id: socket.id,
        rooms: [...socket.rooms].sort(),
        data: socket.data as unknown,
        user: (socket.data as { user: string }).user,
      }))
      .sort((x, y) => x.user.localeCompare(y.user));
    expect(seen).toEqual([
      {
        id: client(0).id,
        rooms: [client(0).id, 'r1'].sort(),
        data: { node: 0, user: 'ann' },
        user: 'ann',
      },
      {
        id: client(1).id,
        rooms: [client(1).id, 'r1', 'r2'].sort(),
        data: { node: 1, user: 'bob' },
        user: 'bob',
      },
    ]);
  });

  it("fetchSockets leaves another instance's socket's credentials out of the topic", async () => {
    const [ann] = await node(1)
      .io.in(client(0).id as string)
      .fetchSockets();
    // Written by the socket's own instance, node 0, and read from the topic by node 1.
    expect(ann?.handshake.auth).toEqual({});
    expect(ann?.handshake.headers).not.toHaveProperty('cookie');
    expect(ann?.handshake.headers).not.toHaveProperty('authorization');
    expect(ann?.handshake.headers).toHaveProperty('x-client', 'ann');
    const [bob] = await node(1)
      .io.in(client(1).id as string)
      .fetchSockets();
    // Its own socket is the socket itself.
    expect((bob?.handshake.auth as { user?: string }).user).toBe('bob');
  });

  it('socketsJoin and socketsLeave act on sockets held by other instances', async () => {
    const received = collect<string>(client(2), 'joined');
    node(0)
      .io.in(client(2).id as string)
      .socketsJoin('r3');
    node(0).io.to('r3').emit('joined', 'in r3');
    await eventually('broadcast after socketsJoin', () => received.length === 1);
    node(1).io.in('r3').socketsLeave('r3');
    node(1).io.to('r3').emit('joined', 'after leave');
    node(1)
      .io.to(client(2).id as string)
      .emit('joined', 'marker');
    await eventually('marker', () => received.length === 2);
    expect(received).toEqual(['in r3', 'marker']);
  });

  it('disconnectSockets disconnects sockets held by other instances', async () => {
    const extra = await connectClient(node(2).url, { auth: { user: 'dan', rooms: ['kick'] } });
    const reasons: string[] = [];
    extra.on('disconnect', (reason) => reasons.push(reason));
    node(0).io.in('kick').disconnectSockets(true);
    await eventually('disconnect', () => reasons.length === 1);
    expect(reasons).toEqual(['io server disconnect']);
  });

  it('serverSideEmit reaches the other instances and not the sender', async () => {
    const heard = nodes.map(() => [] as string[]);
    nodes.forEach((instance, index) =>
      instance.io.on('note', (text: string) => heard[index]?.push(text)),
    );
    node(0).io.serverSideEmit('note', 'hello');
    await eventually('server-side emit', () => heard[1]?.length === 1 && heard[2]?.length === 1);
    expect(heard).toEqual([[], ['hello'], ['hello']]);
  });

  it('serverSideEmit with an ack gathers one answer from each other instance', async () => {
    nodes.forEach((instance, index) =>
      instance.io.on('who', (callback: (answer: string) => void) => callback(`node-${index}`)),
    );
    const answers = await node(1).io.serverSideEmitWithAck('who');
    expect((answers as string[]).sort()).toEqual(['node-0', 'node-2']);
  });

  it('a broadcast with acks gathers the ack of every client on every instance', async () => {
    for (const socket of clients)
      socket.on('ask', (n: number, ack: (reply: string) => void) => ack(`${socket.id}:${n}`));
    const replies = await node(2).io.timeout(15_000).emitWithAck('ask', 7);
    expect((replies as string[]).sort()).toEqual(clients.map((socket) => `${socket.id}:7`).sort());
  });

  it('skips a malformed record, counts it, and carries on', async () => {
    const before = nodes.map((instance) => instance.adapter.bus.stats.malformed);
    await writeRecords([Buffer.from('not msgpack at all'), Buffer.from([0x81, 0xa1, 0x78, 0x01])]);
    // Each instance reads the broadcast after the malformed records (one partition, in
    // order): once every client has it, every instance has counted them.
    await readUpTo(1, 'after');
    expect(
      nodes.map((instance, index) => instance.adapter.bus.stats.malformed - (before[index] ?? 0)),
    ).toEqual([2, 2, 2]);
  });

  it('delivers a record written twice (a retried produce) once, by its sender and sequence number', async () => {
    const duplicatesBefore = nodes.map((instance) => instance.adapter.bus.stats.duplicates);
    const message: ClusterMessage = {
      uid: 'a-sender-that-retried',
      seq: 0,
      type: MessageType.Broadcast,
      nsp: '/',
      packet: { type: 2, nsp: '/', data: ['twice', 'once please'] },
      opts: { rooms: ['r1', 'r2'], except: [] },
    };
    const received = clients.map((socket) => collect<string>(socket, 'twice'));
    const record = encodeMessage(message);
    // Its Close after the repeat, so the others do not count it as an instance for long.
    await writeRecords([
      record,
      record,
      encodeMessage({ uid: message.uid, seq: 1, type: MessageType.Close }),
    ]);
    await readUpTo(2, 'after-twice');
    expect(received).toEqual(clients.map(() => ['once please']));
    expect(
      nodes.map(
        (instance, index) => instance.adapter.bus.stats.duplicates - (duplicatesBefore[index] ?? 0),
      ),
    ).toEqual([1, 1, 1]);
  });

  it('keeps a snapshot of each connected session on every instance and forgets it when the socket leaves for good', async () => {
    const sessions = () =>
      nodes.map(
        (instance) => (instance.io.of('/').adapter as KafkaAdapter).recoverySize().sessions,
      );
    const before = sessions();
    const malformedBefore = nodes.map((instance) => instance.adapter.bus.stats.malformed);
    const extra = await connectClient(node(1).url, { auth: { user: 'eli', rooms: ['r1'] } });
    await eventually('snapshots', () =>
      sessions().every((count, index) => count === (before[index] ?? 0) + 1),
    );
    extra.disconnect();
    await eventually('forgotten snapshots', () =>
      sessions().every((count, index) => count === before[index]),
    );
    expect(nodes.map((instance) => instance.adapter.bus.stats.malformed)).toEqual(malformedBefore);
  });
});
