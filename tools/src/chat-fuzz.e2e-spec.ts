import { randomUUID } from 'node:crypto';
import type { RoomView, SocketErrorCode } from '@scale-chat/contracts';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { api, ask, newUser, socketOf, type TestUser } from './cluster/chat-client';
import { startChatCluster, type ChatCluster } from './cluster/chat-cluster';

jest.setTimeout(300_000);

const CODES: readonly SocketErrorCode[] = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'payload_too_large',
  'internal',
];

/**
 * A value that is never a valid field of any event: anything but a string, or a string
 * empty or too long for every field even once trimmed (a short string may be a valid
 * clientMsgId).
 */
const junk = fc
  .oneof(
    fc.anything({ maxDepth: 3 }),
    fc.string({ minLength: 4_001, maxLength: 20_000 }),
    fc.constantFrom('', -1, 1.5, Number.MAX_SAFE_INTEGER + 2, null, [], {}),
    fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as unknown),
  )
  .filter(
    // A body counts after trimming: "   …   !" is a valid one-character body.
    (value) => typeof value !== 'string' || value.length === 0 || value.trim().length > 4_000,
  );

/**
 * Property-based hostile input against real gateway processes: every malformed event gets
 * an error acknowledgement with one of API.md's codes, the connection stays, nothing is
 * stored, and no process exits.
 */
describe('fuzzed Socket.IO events and REST bodies', () => {
  let cluster: ChatCluster;
  let ann: TestUser;
  let room: RoomView;
  let socket: Socket;
  let eventsSent = 0;

  beforeAll(async () => {
    cluster = await startChatCluster({
      gateways: 1,
      env: { MESSAGE_RATE_BURST: '10000', MESSAGE_RATE_PER_SECOND: '10000' },
    });
    ann = await newUser(cluster.auth.url, `fuzz_${randomUUID().slice(0, 6)}`);
    const gateway = cluster.gateways[0]?.url ?? '';
    room = (
      await api<RoomView>(gateway, 'POST', '/api/rooms', {
        token: ann.token,
        body: { name: 'fuzz' },
      })
    ).body;
    socket = await socketOf(gateway, ann.token);
  }, 180_000);

  afterAll(async () => {
    socket?.disconnect();
    await cluster?.stop();
  }, 60_000);

  /** Payloads of the event's shape, with the real room, where at least one field is junk or extra. */
  const hostile = (fields: Record<string, fc.Arbitrary<unknown>>) =>
    fc.oneof(
      junk,
      fc.record(Object.fromEntries(Object.keys(fields).map((key) => [key, junk]))),
      fc
        .tuple(fc.record(fields), fc.constantFrom(...Object.keys(fields)), junk)
        .map(([valid, key, bad]) => ({ ...valid, [key]: bad }))
        .filter((payload) => JSON.stringify(payload) !== undefined),
      fc.record(fields).map((valid) => ({ ...valid, extra: 'field' })),
      fc
        .record(fields)
        .map((valid) => ({ ...valid, ...(JSON.parse('{"__proto__": {"x": 1}}') as object) })),
    );

  const events: [string, () => fc.Arbitrary<unknown>][] = [
    [
      'message:send',
      () =>
        hostile({
          roomId: fc.constant(room.id),
          clientMsgId: fc.constant('ok'),
          body: fc.constant('hi'),
        }),
    ],
    ['typing', () => hostile({ roomId: fc.constant(room.id), typing: fc.boolean() })],
    ['read', () => hostile({ roomId: fc.constant(room.id), seq: fc.nat() })],
    [
      'sync',
      () =>
        hostile({
          roomId: fc.constant(room.id),
          afterSeq: fc.nat(),
          limit: fc.integer({ min: 1, max: 500 }),
        }),
    ],
  ];

  it.each(events)(
    '%s: every malformed payload gets an error ack and the socket stays',
    async (event, payloads) => {
      await fc.assert(
        fc.asyncProperty(payloads(), async (payload) => {
          eventsSent += 1;
          const ack = await ask(socket, event, payload);
          if (ack.ok) return event === 'typing' || event === 'read' || event === 'sync'; // a junk that is valid by chance
          return (
            CODES.includes(ack.error.code) && ack.error.code !== 'internal' && socket.connected
          );
        }),
        { numRuns: 300 },
      );
    },
  );

  it('survives events without an acknowledgement callback, or with several arguments', async () => {
    socket.emit('message:send', {
      roomId: room.id,
      clientMsgId: 'no-ack',
      body: 'no ack' + 'x'.repeat(5_000),
    });
    socket.emit('message:send');
    socket.emit('sync', 1, 2, 3);
    const ack = await ask(socket, 'sync', { roomId: room.id, afterSeq: 0 });
    expect(ack).toEqual({ ok: true, items: [], hasMore: false });
  });

  it('REST bodies: every malformed message is a 400 and nothing is stored', async () => {
    const gateway = cluster.gateways[0]?.url ?? '';
    await fc.assert(
      fc.asyncProperty(
        hostile({ clientMsgId: fc.constant('ok'), body: fc.constant('hi') }),
        async (body) => {
          const answer = await api(gateway, 'POST', `/api/rooms/${room.id}/messages`, {
            token: ann.token,
            body,
          });
          return answer.status === 400;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stored nothing, and every process is still running', async () => {
    const gateway = cluster.gateways[0]?.url ?? '';
    const stored = await api<RoomView>(gateway, 'GET', `/api/rooms/${room.id}`, {
      token: ann.token,
    });
    process.stdout.write(
      `fuzz: ${eventsSent} hostile Socket.IO events, 200 REST bodies; lastSeq ${stored.body.lastSeq}\n`,
    );
    expect(stored.body.lastSeq).toBe(0);
    expect(
      [cluster.auth, cluster.orchestrator, ...cluster.gateways].map((member) => member.running()),
    ).toEqual([true, true, true]);
  });
});
