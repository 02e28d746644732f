import { randomUUID } from 'node:crypto';
import type { RoomSummaryView, RoomView } from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';
import {
  api,
  collectMessages,
  eventually,
  newUser,
  sendMessage,
  socketOf,
  type TestUser,
} from './cluster/chat-client';
import { startChatCluster, type ChatCluster } from './cluster/chat-cluster';
import { readSecureListener } from './infra';

jest.setTimeout(120_000);

/** The tools' own broker has a TLS and SASL listener; another (KAFKA_BROKERS) may not. */
const overTls = readSecureListener() !== undefined;

/**
 * API.md v1.1's direct rooms against real processes (auth, the saga orchestrator, two
 * chat gateways, Kafka, PostgreSQL): the room saga runs for real, auth confirming the
 * users, and the unique index on the pair decides between the instances. On the tools'
 * own broker every process reaches Kafka over TLS as a SCRAM-SHA-512 user, as a
 * production deployment may: the signup and room sagas, the outbox relays and the
 * gateways' adapter all work so.
 */
describe(`direct rooms on two gateway instances, Kafka ${overTls ? 'over TLS and SCRAM' : 'in plain text (no secure listener known)'}`, () => {
  let cluster: ChatCluster;
  const sockets: Socket[] = [];
  const gateway = (index: 0 | 1) => {
    const found = cluster.gateways[index];
    if (found === undefined) throw new Error(`no gateway ${index}`);
    return found.url;
  };
  const users = async (count: number): Promise<TestUser[]> => {
    const tag = randomUUID().slice(0, 6);
    return Promise.all(
      Array.from({ length: count }, (_, index) => newUser(cluster.auth.url, `dm${index}_${tag}`)),
    );
  };
  /** The user's new socket on `index`, with every `room:joined` and `message:new` it receives. */
  const openOn = async (index: 0 | 1, user: TestUser) => {
    const socket = await socketOf(gateway(index), user.token);
    sockets.push(socket);
    const joined: RoomView[] = [];
    socket.on('room:joined', (room: RoomView) => joined.push(room));
    return { socket, joined, messages: collectMessages(socket) };
  };
  const openDirect = (index: 0 | 1, caller: TestUser, other: TestUser) =>
    api<RoomView>(gateway(index), 'POST', '/api/rooms/direct', {
      token: caller.token,
      body: { userId: other.userId },
    });

  beforeAll(async () => {
    cluster = await startChatCluster({ kafkaOverTlsAndScram: overTls });
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await cluster?.stop();
  }, 60_000);

  it('two users opening a direct room with each other at the same moment on different instances get one room, both', async () => {
    const [ann, bob] = (await users(2)) as [TestUser, TestUser];
    const annSocket = await openOn(0, ann);
    const bobSocket = await openOn(1, bob);

    const [fromAnn, fromBob] = await Promise.all([
      openDirect(0, ann, bob),
      openDirect(1, bob, ann),
    ]);

    expect([fromAnn.status, fromBob.status].sort()).toEqual([200, 201]);
    const room = fromAnn.body;
    expect(fromBob.body.id).toBe(room.id);
    expect(room).toMatchObject({ kind: 'direct', name: null });
    expect(room.members.map(({ userId, role }) => [userId, role]).sort()).toEqual(
      [
        [ann.userId, 'member'],
        [bob.userId, 'member'],
      ].sort(),
    );
    // Each user's socket joins the one room on its own instance.
    await eventually(
      'both sockets joined',
      () => annSocket.joined.length > 0 && bobSocket.joined.length > 0,
    );
    for (const [index, user] of [
      [0, bob],
      [1, ann],
    ] as const) {
      const listed = await api<{ items: RoomSummaryView[] }>(gateway(index), 'GET', '/api/rooms', {
        token: user.token,
      });
      expect(listed.body.items.map((item) => [item.id, item.kind, item.name])).toEqual([
        [room.id, 'direct', null],
      ]);
    }
    // Asked again later, from either side and instance: the same room, 200.
    const again = await openDirect(1, ann, bob);
    expect(again).toMatchObject({ status: 200, body: { id: room.id } });
    // Once: a message sent now is relayed after any room:joined either call made (one
    // outbox relay, one ordered topic), so once both sockets have it a repeat is in too.
    const after = await sendMessage(annSocket.socket, room.id, 'after-the-joins', 'hello');
    await eventually('both sockets hear the message', () =>
      [annSocket, bobSocket].every(({ messages }) => messages.some(({ id }) => id === after.id)),
    );
    expect(
      [...annSocket.joined, ...bobSocket.joined].map((joined) => [joined.id, joined.kind]),
    ).toEqual([
      [room.id, 'direct'],
      [room.id, 'direct'],
    ]);
  });

  it('answers 400 for oneself, 404 for an unknown user, 403 to membership changes', async () => {
    const [cat, dan, eve] = (await users(3)) as [TestUser, TestUser, TestUser];
    expect((await openDirect(0, cat, cat)).status).toBe(400);
    const unknown = await api(gateway(1), 'POST', '/api/rooms/direct', {
      token: cat.token,
      body: { userId: randomUUID() },
    });
    expect(unknown.status).toBe(404);
    const opened = await openDirect(0, cat, dan);
    expect(opened.status).toBe(201);
    const path = `/api/rooms/${opened.body.id}/members`;
    const added = await api(gateway(1), 'POST', path, {
      token: cat.token,
      body: { userId: eve.userId },
    });
    const left = await api(gateway(0), 'DELETE', `${path}/${dan.userId}`, { token: dan.token });
    expect([added.status, left.status]).toEqual([403, 403]);
  });
});
