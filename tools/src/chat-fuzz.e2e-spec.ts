import { randomUUID } from 'node:crypto';
import { isEmoji, type RoomView } from '@scale-chat/contracts';
import fc from 'fast-check';
import type { Socket } from 'socket.io-client';
import { api, ask, newUser, socketOf, type TestUser } from './cluster/chat-client';
import { startChatCluster, type ChatCluster } from './cluster/chat-cluster';
import {
  expectedRefusal,
  hostile,
  hostileDirectRoomBodies,
  hostileEvents,
  hostileMessageBodies,
} from './cluster/hostile-input';

jest.setTimeout(300_000);

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
      env: {
        MESSAGE_RATE_BURST: '10000',
        MESSAGE_RATE_PER_SECOND: '10000',
        TYPING_RATE_BURST: '10000',
        TYPING_RATE_PER_SECOND: '10000',
        READ_RATE_BURST: '10000',
        READ_RATE_PER_SECOND: '10000',
        HISTORY_RATE_BURST: '10000',
        HISTORY_RATE_PER_SECOND: '10000',
        ROOM_WRITE_RATE_BURST: '10000',
        ROOM_WRITE_RATE_PER_MINUTE: '10000',
        SEARCH_RATE_BURST: '10000',
        SEARCH_RATE_PER_SECOND: '10000',
      },
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

  const events = (): [string, fc.Arbitrary<unknown>][] => hostileEvents(room.id);

  it.each([
    'message:send',
    'typing',
    'read',
    'sync',
    'message:edit',
    'message:delete',
    'reaction:add',
    'reaction:remove',
  ])(
    '%s: every malformed payload gets the one error ack it should and the socket stays',
    async (event) => {
      const [, payloads] = events().find(([name]) => name === event) ?? [];
      if (payloads === undefined) throw new Error(`no payloads for ${event}`);
      await fc.assert(
        fc.asyncProperty(payloads, async (payload) => {
          eventsSent += 1;
          const ack = await ask(socket, event, payload);
          expect(ack).toMatchObject({
            ok: false,
            error: { code: expectedRefusal(event, payload), message: expect.any(String) },
          });
          expect(socket.connected).toBe(true);
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
      fc.asyncProperty(hostileMessageBodies, async (body) => {
        const answer = await api(gateway, 'POST', `/api/rooms/${room.id}/messages`, {
          token: ann.token,
          body,
        });
        return answer.status === 400;
      }),
      { numRuns: 200 },
    );
  });

  it('REST v1.1: every malformed edit body and reaction emoji is a 400 and nothing is stored', async () => {
    const gateway = cluster.gateways[0]?.url ?? '';
    const messages = `/api/rooms/${room.id}/messages`;
    await fc.assert(
      fc.asyncProperty(hostile({ body: fc.constant('hi') }), async (body) => {
        const answer = await api(gateway, 'PATCH', `${messages}/1`, { token: ann.token, body });
        return answer.status === 400;
      }),
      { numRuns: 100 },
    );
    // "." and ".." are path segments a URL resolves away, not an emoji the route sees.
    const notOneEmoji = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 20 })
      .filter((text) => !isEmoji(text) && text !== '.' && text !== '..');
    await fc.assert(
      fc.asyncProperty(notOneEmoji, async (emoji) => {
        const path = `${messages}/1/reactions/${encodeURIComponent(emoji)}`;
        const answer = await api(gateway, 'PUT', path, { token: ann.token });
        return answer.status === 400;
      }),
      { numRuns: 100 },
    );
  });

  it('REST (v1.1): every malformed direct-room body is a 400; a search query 200 exactly when it has 2-100 characters and no NUL', async () => {
    const gateway = cluster.gateways[0]?.url ?? '';
    await fc.assert(
      fc.asyncProperty(hostileDirectRoomBodies, async (body) => {
        const answer = await api(gateway, 'POST', '/api/rooms/direct', { token: ann.token, body });
        return answer.status === 400;
      }),
      { numRuns: 100 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 120 }), async (query) => {
        const path = `/api/messages/search?query=${encodeURIComponent(query)}`;
        const { status } = await api(gateway, 'GET', path, { token: ann.token });
        const length = [...query].length;
        const fine = length >= 2 && length <= 100 && !query.includes('\u0000');
        return status === (fine ? 200 : 400);
      }),
      { numRuns: 200 },
    );
    const rooms = await api<{ items: unknown[] }>(gateway, 'GET', '/api/rooms', {
      token: ann.token,
    });
    expect(rooms.body.items).toHaveLength(1);
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
    expect(stored.body.lastVersion).toBe(0);
    expect(
      [cluster.auth, cluster.orchestrator, ...cluster.gateways].map((member) => member.running()),
    ).toEqual([true, true, true]);
  });
});
