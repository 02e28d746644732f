import { randomUUID } from 'node:crypto';
import type { ChangesPage, MessageView, RoomView } from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';
import { api, ask, eventually, newUser, socketOf, type TestUser } from './cluster/chat-client';
import { startChatCluster, type ChatCluster } from './cluster/chat-cluster';

jest.setTimeout(180_000);

type Heard = { readonly event: string; readonly message: MessageView };

/** Every message:new and message:updated a socket hears, in arrival order. */
function listen(socket: Socket): Heard[] {
  const heard: Heard[] = [];
  for (const event of ['message:new', 'message:updated'])
    socket.on(event, (message: MessageView) => heard.push({ event, message }));
  return heard;
}

const versions = (heard: readonly Heard[]) => heard.map(({ message }) => message.version);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);
const emojiPath = (emoji: string) => `reactions/${encodeURIComponent(emoji)}`;

/**
 * API.md v1.1's messages on two gateway instances (real auth, orchestrator, Kafka and
 * PostgreSQL): message:updated to every member socket on both instances exactly once in
 * version order, concurrent changes from both instances gapless, and a client that was
 * offline catching up on the other instance with one sync by afterVersion.
 */
describe('message changes on two gateway instances', () => {
  let cluster: ChatCluster;
  let ann: TestUser;
  let bob: TestUser;
  /** Every socket opened, closed at the end. */
  const sockets: Socket[] = [];
  const gateway = (index: 0 | 1): string => {
    const url = cluster.gateways[index]?.url;
    if (url === undefined) throw new Error(`the cluster has no gateway ${index}`);
    return url;
  };
  async function open(index: 0 | 1, user: TestUser): Promise<Socket> {
    const opened = await socketOf(gateway(index), user.token);
    sockets.push(opened);
    return opened;
  }
  const call = <T = MessageView>(
    index: 0 | 1,
    user: TestUser,
    method: string,
    path: string,
    body?: unknown,
  ) => api<T>(gateway(index), method, path, { token: user.token, body });

  beforeAll(async () => {
    cluster = await startChatCluster({
      env: { MESSAGE_RATE_BURST: '5000', MESSAGE_RATE_PER_SECOND: '5000' },
    });
    const tag = randomUUID().slice(0, 6);
    [ann, bob] = await Promise.all([
      newUser(cluster.auth.url, `ann_${tag}`),
      newUser(cluster.auth.url, `bob_${tag}`),
    ]);
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await cluster?.stop();
  }, 60_000);

  const newRoom = async () => {
    const created = await call<RoomView>(0, ann, 'POST', '/api/rooms', {
      name: 'changes',
      memberIds: [bob.userId],
    });
    expect(created.status).toBe(201);
    return created.body.id;
  };

  it('concurrent sends, edits and reactions from both instances: versions 1..N, every socket in that order, once', async () => {
    const roomId = await newRoom();
    const watchers = await Promise.all([open(0, ann), open(1, ann), open(0, bob), open(1, bob)]);
    const heard = watchers.map(listen);
    const [annHere, , , bobThere] = watchers as [Socket, Socket, Socket, Socket];
    const first = await ask<{ message: MessageView }>(annHere, 'message:send', {
      roomId,
      clientMsgId: 'first',
      body: `hello @${bob.username}`,
    });
    if (!first.ok) throw new Error(first.error.message);
    expect(first.message).toMatchObject({ version: 1, mentions: [bob.userId] });
    const seq = first.message.seq;
    const base = `/api/rooms/${roomId}/messages`;
    const emoji = [...'🍎🍐🍊🍋🍌🍉'];
    const answers = await Promise.all([
      ...range(1, 10).map((index) =>
        ask(index % 2 ? annHere : bobThere, 'message:send', {
          roomId,
          clientMsgId: `burst-${index}`,
          body: `burst ${index}`,
        }),
      ),
      ...range(1, 6).map((index) =>
        ask(annHere, 'message:edit', { roomId, seq, body: `hello, take ${index}` }),
      ),
      ...emoji.map((each, index) =>
        index % 2
          ? ask(bobThere, 'reaction:add', { roomId, seq, emoji: each })
          : call(1, ann, 'PUT', `${base}/${seq}/${emojiPath(each)}`),
      ),
    ]);
    expect(answers.every((answer) => ('ok' in answer ? answer.ok : answer.status === 200))).toBe(
      true,
    );
    const total = 1 + 10 + 6 + emoji.length;
    for (const each of heard)
      await eventually('every change on every socket', () => each.length >= total);
    // One more change after all of them: whatever a socket heard twice would be before it.
    await call(0, bob, 'DELETE', `${base}/${seq}/${emojiPath('🍐')}`);
    for (const each of heard) {
      await eventually('the last change', () => each.length >= total + 1);
      expect(versions(each)).toEqual(range(1, total + 1));
      expect(each.filter(({ event }) => event === 'message:new')).toHaveLength(11);
    }
    const room = await call<RoomView>(1, bob, 'GET', `/api/rooms/${roomId}`);
    expect(room.body.lastVersion).toBe(total + 1);
  });

  it('an offline client comes back on the other instance and one sync by afterVersion gives it the server state', async () => {
    const roomId = await newRoom();
    const annSocket = await open(0, ann);
    const seed = await ask<{ message: MessageView }>(annSocket, 'message:send', {
      roomId,
      clientMsgId: 'seed',
      body: 'seed',
    });
    if (!seed.ok) throw new Error(seed.error.message);
    // bob was here up to now: it holds the room's state at this version.
    const { body: before } = await call<RoomView>(0, bob, 'GET', `/api/rooms/${roomId}`);
    const known = new Map<number, MessageView>([[seed.message.seq, seed.message]]);
    // While bob is offline: sends, an edit, reactions and a deletion, on both instances.
    const base = `/api/rooms/${roomId}/messages`;
    const sent: MessageView[] = [];
    for (const index of range(1, 5)) {
      const answer = await call(index % 2 ? 0 : 1, ann, 'POST', base, {
        clientMsgId: `away-${index}`,
        body: `away ${index}`,
        ...(index === 3 ? { replyToSeq: seed.message.seq } : {}),
      });
      sent.push(answer.body);
    }
    const [one, two, three] = sent as [MessageView, MessageView, MessageView];
    await ask(annSocket, 'message:edit', { roomId, seq: seed.message.seq, body: 'seed, edited' });
    await call(1, ann, 'PUT', `${base}/${one.seq}/${emojiPath('👍')}`);
    await ask(annSocket, 'reaction:add', { roomId, seq: two.seq, emoji: '🇰🇷' });
    await call(0, ann, 'DELETE', `${base}/${three.seq}`);
    await call(1, ann, 'DELETE', `${base}/${one.seq}/${emojiPath('👍')}`);

    // bob comes back on the other instance: one sync fills every gap.
    const bobSocket = await open(1, bob);
    const synced = await ask<ChangesPage>(bobSocket, 'sync', {
      roomId,
      afterVersion: before.lastVersion,
      limit: 500,
    });
    if (!synced.ok) throw new Error(synced.error.message);
    expect(synced.hasMore).toBe(false);
    for (const message of synced.items) known.set(message.seq, message);
    const server = await call<{ items: MessageView[] }>(0, bob, 'GET', `${base}?limit=200`);
    expect([...known.values()].sort((a, b) => a.seq - b.seq)).toEqual(server.body.items);
    const room = await call<RoomView>(0, bob, 'GET', `/api/rooms/${roomId}`);
    expect(synced.lastVersion).toBe(room.body.lastVersion);
    expect(server.body.items.find((item) => item.seq === three.seq)).toMatchObject({
      body: '',
      deletedAt: expect.any(String),
    });
    expect(server.body.items.find((item) => item.seq === sent[2]?.seq)?.replyToSeq).toBe(
      seed.message.seq,
    );
  });
});
