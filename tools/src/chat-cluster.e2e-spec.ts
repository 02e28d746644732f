import { randomUUID } from 'node:crypto';
import type { MessageView, RoomView } from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';
import {
  api,
  ask,
  collectMessages,
  eventually,
  newUser,
  sendMessage,
  socketOf,
  type TestUser,
} from './cluster/chat-client';
import { startChatCluster, type ChatCluster } from './cluster/chat-cluster';

jest.setTimeout(120_000);

const seqs = (messages: readonly MessageView[]) => messages.map((message) => message.seq);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

/**
 * API.md's rooms, messages and Socket.IO against real processes: auth, the saga
 * orchestrator and two chat gateways, over the real Kafka and PostgreSQL.
 */
describe('chat on two gateway instances', () => {
  let cluster: ChatCluster;
  let ann: TestUser;
  let bob: TestUser;
  let cat: TestUser;
  let dan: TestUser;
  const sockets: Socket[] = [];
  const gateway = (index: 0 | 1) => {
    const found = cluster.gateways[index];
    if (found === undefined) throw new Error(`no gateway ${index}`);
    return found.url;
  };
  const open = async (index: 0 | 1, user: TestUser) => {
    const socket = await socketOf(gateway(index), user.token);
    sockets.push(socket);
    return socket;
  };
  const createRoom = async (owner: TestUser, members: readonly TestUser[], name = 'room') => {
    const created = await api<RoomView>(gateway(0), 'POST', '/api/rooms', {
      token: owner.token,
      body: { name, memberIds: members.map((member) => member.userId) },
    });
    expect(created.status).toBe(201);
    return created.body;
  };

  beforeAll(async () => {
    cluster = await startChatCluster({
      env: { MESSAGE_RATE_BURST: '5000', MESSAGE_RATE_PER_SECOND: '5000' },
    });
    const tag = randomUUID().slice(0, 6);
    const made = (name: string) => newUser(cluster.auth.url, `${name}_${tag}`);
    [ann, bob, cat, dan] = await Promise.all([made('ann'), made('bob'), made('cat'), made('dan')]);
  }, 180_000);

  afterAll(async () => {
    for (const socket of sockets) socket.disconnect();
    await cluster?.stop();
  }, 60_000);

  describe('rooms over REST', () => {
    it('creates a room through the room saga: the caller owns it, the named users are members', async () => {
      const room = await createRoom(ann, [bob], 'Lunch');
      expect(room).toMatchObject({ name: 'Lunch', ownerId: ann.userId, lastSeq: 0 });
      expect(room.members.map((member) => [member.userId, member.role]).sort()).toEqual(
        [
          [ann.userId, 'owner'],
          [bob.userId, 'member'],
        ].sort(),
      );
      const seen = await api<RoomView>(gateway(1), 'GET', `/api/rooms/${room.id}`, {
        token: bob.token,
      });
      expect(seen).toMatchObject({ status: 200, body: { id: room.id, name: 'Lunch' } });
    });

    it('refuses users who are not active, naming them, and keeps no room', async () => {
      const ghost = randomUUID();
      const refused = await api<{ message: string }>(gateway(0), 'POST', '/api/rooms', {
        token: ann.token,
        body: { name: 'ghosts', memberIds: [bob.userId, ghost] },
      });
      expect(refused.status).toBe(400);
      expect(refused.body.message).toContain(ghost);
      expect(refused.body.message).not.toContain(bob.userId);
      const mine = await api<{ items: { name: string }[] }>(gateway(0), 'GET', '/api/rooms', {
        token: ann.token,
      });
      expect(mine.body.items.map((room) => room.name)).not.toContain('ghosts');
    });

    it('takes upper-case ids as the same users and room (one rule for ids)', async () => {
      const created = await api<RoomView>(gateway(0), 'POST', '/api/rooms', {
        token: ann.token,
        body: { name: 'upper', memberIds: [bob.userId.toUpperCase(), cat.userId.toUpperCase()] },
      });
      expect(created.status).toBe(201);
      expect(created.body.members.map((member) => member.userId).sort()).toEqual(
        [ann.userId, bob.userId, cat.userId].sort(),
      );
      const user = await api(cluster.auth.url, 'GET', `/api/users/${bob.userId.toUpperCase()}`, {
        token: ann.token,
      });
      expect(user).toMatchObject({ status: 200, body: { id: bob.userId } });
      const path = `/api/rooms/${created.body.id.toUpperCase()}/members/${cat.userId.toUpperCase()}`;
      expect((await api(gateway(1), 'DELETE', path, { token: cat.token })).status).toBe(204);
    });

    it.each([
      ['no name', {}],
      ['an empty name', { name: '' }],
      ['a blank name', { name: ' \t ' }],
      ['a name of 101 emoji', { name: '😀'.repeat(101) }],
      ['a name too long', { name: 'x'.repeat(101) }],
      ['a name with a line break and a bell', { name: 'line1\nline2\u0007' }],
      ['a name with a right-to-left override', { name: 'Lunch\u202Etxt.exe' }],
      ['memberIds not UUIDs', { name: 'a', memberIds: ['bob'] }],
      ['an unknown field', { name: 'a', topic: 'x' }],
    ])('answers 400 to %s', async (_case, body) => {
      const answer = await api(gateway(0), 'POST', '/api/rooms', { token: ann.token, body });
      expect(answer.status).toBe(400);
    });

    it('answers 401 without a token, 404 for no such room, 403 to a non-member', async () => {
      const room = await createRoom(ann, [bob]);
      expect((await api(gateway(0), 'GET', '/api/rooms')).status).toBe(401);
      expect(
        (await api(gateway(0), 'GET', `/api/rooms/${randomUUID()}`, { token: ann.token })).status,
      ).toBe(404);
      expect(
        (await api(gateway(0), 'GET', `/api/rooms/${room.id}`, { token: cat.token })).status,
      ).toBe(403);
      // An id that is not a UUID names no room (or member): 404 as well, on every route.
      const asAnn = { token: ann.token };
      const answers = await Promise.all([
        api(gateway(0), 'GET', '/api/rooms/not-a-room', asAnn),
        api(gateway(0), 'GET', '/api/rooms/not-a-room/messages', asAnn),
        api(gateway(0), 'POST', '/api/rooms/not-a-room/messages', {
          ...asAnn,
          body: { clientMsgId: 'c', body: 'hello' },
        }),
        api(gateway(0), 'POST', '/api/rooms/not-a-room/read', { ...asAnn, body: { seq: 1 } }),
        api(gateway(0), 'POST', '/api/rooms/not-a-room/members', {
          ...asAnn,
          body: { userId: bob.userId },
        }),
        api(gateway(0), 'DELETE', `/api/rooms/${room.id}/members/not-a-user`, asAnn),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404]);
    });

    it('adds, refuses and removes members as API.md says, and sockets follow', async () => {
      const room = await createRoom(ann, [bob]);
      const danSocket = await open(1, dan);
      const annSocket = await open(0, ann);
      const joined: RoomView[] = [];
      const left: string[] = [];
      const memberEvents: string[] = [];
      danSocket.on('room:joined', (view: RoomView) => joined.push(view));
      danSocket.on('room:left', (event: { roomId: string }) => left.push(event.roomId));
      annSocket.on('member:joined', (event: { userId: string }) =>
        memberEvents.push(`joined ${event.userId}`),
      );
      annSocket.on('member:left', (event: { userId: string }) =>
        memberEvents.push(`left ${event.userId}`),
      );

      const path = `/api/rooms/${room.id}/members`;
      expect(
        (await api(gateway(1), 'POST', path, { token: cat.token, body: { userId: dan.userId } }))
          .status,
      ).toBe(403);
      const added = await api(gateway(1), 'POST', path, {
        token: bob.token,
        body: { userId: dan.userId },
      });
      expect(added).toMatchObject({ status: 201, body: { userId: dan.userId, role: 'member' } });
      expect(
        (await api(gateway(0), 'POST', path, { token: ann.token, body: { userId: dan.userId } }))
          .status,
      ).toBe(409);
      const ghost = await api<{ message: string }>(gateway(0), 'POST', path, {
        token: ann.token,
        body: { userId: randomUUID() },
      });
      expect(ghost.status).toBe(400);

      // dan's socket on the other instance joined the room: it hears the room's messages.
      await eventually('room:joined reaches dan', () => joined.length === 1);
      expect(joined[0]?.id).toBe(room.id);
      const danMessages = collectMessages(danSocket);
      const sent = await ask<{ message: MessageView }>(annSocket, 'message:send', {
        roomId: room.id,
        clientMsgId: 'hello-dan',
        body: 'hello dan',
      });
      expect(sent.ok).toBe(true);
      await eventually('dan hears the message', () => danMessages.length === 1);

      expect(
        (await api(gateway(0), 'DELETE', `${path}/${dan.userId}`, { token: bob.token })).status,
      ).toBe(403);
      expect(
        (await api(gateway(0), 'DELETE', `${path}/${dan.userId}`, { token: ann.token })).status,
      ).toBe(204);
      await eventually('room:left reaches dan', () => left.length === 1);
      expect(
        (await api(gateway(0), 'DELETE', `${path}/${dan.userId}`, { token: ann.token })).status,
      ).toBe(404);
      expect(
        (await api(gateway(1), 'DELETE', `${path}/${bob.userId}`, { token: bob.token })).status,
      ).toBe(204);
      await eventually('member events reach ann', () => memberEvents.length === 3);
      expect(memberEvents).toEqual([
        `joined ${dan.userId}`,
        `left ${dan.userId}`,
        `left ${bob.userId}`,
      ]);
      // dan is out: the room's messages no longer reach it, and it may not send.
      await ask(annSocket, 'message:send', {
        roomId: room.id,
        clientMsgId: 'after',
        body: 'gone?',
      });
      const refused = await ask(danSocket, 'message:send', {
        roomId: room.id,
        clientMsgId: 'x',
        body: 'hi',
      });
      expect(refused).toEqual({
        ok: false,
        error: { code: 'forbidden', message: expect.any(String) },
      });
      // A later message, in a room dan is in, comes after 'gone?' (one outbox relay, one
      // ordered topic): once dan has it, 'gone?' would have reached it too.
      const stillIn = await createRoom(ann, [dan], 'still in');
      await eventually('dan joins the room it is still in', () =>
        joined.some((view) => view.id === stillIn.id),
      );
      const later = await sendMessage(annSocket, stillIn.id, 'later', 'still here');
      await eventually('dan hears the later message', () =>
        danMessages.some((message) => message.id === later.id),
      );
      expect(
        danMessages.filter((message) => message.roomId === room.id).map(({ body }) => body),
      ).toEqual(['hello dan']);
    });
  });

  it('account deletion takes the user out of every room, and the rooms hear it', async () => {
    const eve = await newUser(cluster.auth.url, `eve_${randomUUID().slice(0, 6)}`);
    const first = await createRoom(ann, [eve]);
    const second = await createRoom(bob, [eve, ann]);
    const annSocket = await open(1, ann);
    const left: string[] = [];
    annSocket.on('member:left', (event: { roomId: string; userId: string }) => {
      if (event.userId === eve.userId) left.push(event.roomId);
    });
    const deletion = await api(cluster.auth.url, 'DELETE', '/api/users/me', { token: eve.token });
    expect(deletion.status).toBe(202);
    await eventually('both rooms hear eve left', () => left.length === 2, 20_000);
    expect(left.sort()).toEqual([first.id, second.id].sort());
    for (const room of [first, second]) {
      const view = await api<RoomView>(gateway(0), 'GET', `/api/rooms/${room.id}`, {
        token: ann.token,
      });
      expect(view.body.members.map((member) => member.userId)).not.toContain(eve.userId);
    }
  });

  it('1,000 messages from both instances reach every member socket on each instance once, in seq order, seq 1..1000', async () => {
    const room = await createRoom(ann, [bob]);
    const senders = [
      await open(0, ann),
      await open(1, ann),
      await open(0, bob),
      await open(1, bob),
    ];
    const receivers = senders.map(collectMessages);
    const perSender = 250;
    const acks = await Promise.all(
      senders.map((socket, index) =>
        Promise.all(
          range(1, perSender).map((n) =>
            ask<{ message: MessageView }>(socket, 'message:send', {
              roomId: room.id,
              clientMsgId: `s${index}-${n}`,
              body: `message ${n} from sender ${index}`,
            }),
          ),
        ),
      ),
    );
    const stored = acks.flat().map((ack) => (ack.ok ? ack.message.seq : -1));
    expect([...stored].sort((a, b) => a - b)).toEqual(range(1, 1000));
    await eventually(
      'every socket has 1,000 messages',
      () => receivers.every((received) => received.length >= 1000),
      30_000,
    );
    // A repeat would come before a later message of the room (one relay, one ordered
    // topic): once every socket has the next one, any repeat has landed too.
    const next = await sendMessage(
      senders[0] as Socket,
      room.id,
      'after-the-thousand',
      'the next message',
    );
    await eventually(
      'every socket has the next message',
      () => receivers.every((received) => received.some((message) => message.seq === next.seq)),
      30_000,
    );
    for (const received of receivers)
      expect(seqs(received.filter((message) => message.seq <= 1000))).toEqual(range(1, 1000));
  });

  it('a repeated clientMsgId over WebSocket and REST on different instances stores one message', async () => {
    const room = await createRoom(ann, [bob]);
    const socket = await open(0, ann);
    const first = await ask<{ message: MessageView }>(socket, 'message:send', {
      roomId: room.id,
      clientMsgId: 'twice',
      body: 'only once',
    });
    const again = await api<MessageView>(gateway(1), 'POST', `/api/rooms/${room.id}/messages`, {
      token: ann.token,
      body: { clientMsgId: 'twice', body: 'only once' },
    });
    const thrice = await ask<{ message: MessageView }>(socket, 'message:send', {
      roomId: room.id,
      clientMsgId: 'twice',
      body: 'only once',
    });
    if (!first.ok || !thrice.ok) throw new Error('a send failed');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.message);
    expect(thrice.message).toEqual(first.message);
    const fresh = await api<MessageView>(gateway(1), 'POST', `/api/rooms/${room.id}/messages`, {
      token: bob.token,
      body: { clientMsgId: 'twice', body: "bob's own" },
    });
    expect(fresh.status).toBe(201);
    const page = await api<{ items: MessageView[] }>(
      gateway(0),
      'GET',
      `/api/rooms/${room.id}/messages`,
      {
        token: ann.token,
      },
    );
    expect(page.body.items.map((message) => [message.seq, message.senderId])).toEqual([
      [1, ann.userId],
      [2, bob.userId],
    ]);
  });

  it("counts characters as API.md does (an emoji is one), the same over REST and Socket.IO; a room's name is kept as sent", async () => {
    const room = await createRoom(ann, [], '  😀 lunch  ');
    expect(room.name).toBe('  😀 lunch  ');
    const socket = await open(1, ann);
    const longest = '😀'.repeat(4_000);
    const sent = await api<MessageView>(gateway(0), 'POST', `/api/rooms/${room.id}/messages`, {
      token: ann.token,
      body: { clientMsgId: 'rest-4000', body: ` ${longest} ` },
    });
    expect(sent).toMatchObject({ status: 201, body: { body: longest } });
    const acked = await ask<{ message: MessageView }>(socket, 'message:send', {
      roomId: room.id,
      clientMsgId: 'socket-4000',
      body: longest,
    });
    expect(acked).toMatchObject({ ok: true, message: { seq: 2, body: longest } });

    const tooLong = `${longest}😀`;
    const refused = await api(gateway(0), 'POST', `/api/rooms/${room.id}/messages`, {
      token: ann.token,
      body: { clientMsgId: 'rest-4001', body: tooLong },
    });
    expect(refused.status).toBe(400);
    expect(
      await ask(socket, 'message:send', { roomId: room.id, clientMsgId: 's-4001', body: tooLong }),
    ).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    const clientMsgId = await ask(socket, 'message:send', {
      roomId: room.id,
      clientMsgId: '😀'.repeat(65),
      body: 'an id of 65 characters',
    });
    expect(clientMsgId).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const seen = await api<RoomView>(gateway(1), 'GET', `/api/rooms/${room.id}`, {
      token: ann.token,
    });
    expect(seen.body.lastSeq).toBe(2);
  });

  it('a socket that comes back (recovery) after its user was removed from a room gets neither the room nor what was sent to it meanwhile, and no other user may take its session', async () => {
    const room = await createRoom(ann, [dan]);
    const kept = await createRoom(ann, [dan], 'kept');
    const sender = await open(0, ann);
    const danSocket = await open(0, dan);
    const heard = collectMessages(danSocket);
    const say = async (roomId: string, clientMsgId: string) => {
      const ack = await ask(sender, 'message:send', { roomId, clientMsgId, body: clientMsgId });
      expect(ack.ok).toBe(true);
    };
    await say(room.id, 'before');
    await eventually('dan hears the first message', () => heard.length === 1);

    // A dropped connection (not a goodbye): the gateway keeps its session for recovery.
    const manager = danSocket.io as unknown as { uri: string; engine: { close(): void } };
    const dropped = new Promise((resolve) => danSocket.once('disconnect', resolve));
    manager.engine.close();
    await dropped;
    expect(
      (
        await api(gateway(1), 'DELETE', `/api/rooms/${room.id}/members/${dan.userId}`, {
          token: ann.token,
        })
      ).status,
    ).toBe(204);
    await say(room.id, 'after removal');
    await say(kept.id, 'in the kept room');

    manager.uri = gateway(1);
    const back = new Promise<void>((resolve) => danSocket.once('connect', () => resolve()));
    danSocket.connect();
    await back;
    expect(danSocket.recovered).toBe(true);
    await say(room.id, 'later');
    await say(kept.id, 'later in the kept room');
    // 'later' was relayed before the kept room's message (one relay, one ordered topic),
    // so had it reached dan it would be here by now.
    await eventually('dan hears the kept room', () => heard.length >= 3);
    expect(heard.map((message) => message.body)).toEqual([
      'before',
      'in the kept room',
      'later in the kept room',
    ]);

    // Another user's token with dan's session id and offset is refused at the handshake.
    const { _pid: pid, _lastOffset: offset } = danSocket as unknown as {
      _pid: string;
      _lastOffset: string;
    };
    const droppedAgain = new Promise((resolve) => danSocket.once('disconnect', resolve));
    manager.engine.close();
    await droppedAgain;
    const thief = socketOf(gateway(0), cat.token, { auth: { pid, offset } });
    await expect(thief).rejects.toThrow('unauthorized');
  });

  it('a client that missed messages while away fills the gap with sync on the other instance', async () => {
    const room = await createRoom(ann, [bob]);
    const sender = await open(0, ann);
    const away = await open(0, bob);
    const before = collectMessages(away);
    for (const n of range(1, 5)) {
      await ask(sender, 'message:send', {
        roomId: room.id,
        clientMsgId: `b${n}`,
        body: `before ${n}`,
      });
    }
    await eventually('bob has the first five', () => before.length === 5);
    away.disconnect();
    const flowing = Promise.all(
      range(1, 30).map((n) =>
        ask(sender, 'message:send', { roomId: room.id, clientMsgId: `d${n}`, body: `during ${n}` }),
      ),
    );
    const back = await open(1, bob);
    const live = collectMessages(back);
    await flowing;
    const lastSeen = Math.max(...seqs(before));
    const synced = await ask<{ items: MessageView[]; hasMore: boolean }>(back, 'sync', {
      roomId: room.id,
      afterSeq: lastSeen,
    });
    if (!synced.ok) throw new Error('sync failed');
    expect(synced.hasMore).toBe(false);
    const all = new Map<number, MessageView>();
    for (const message of [...before, ...synced.items, ...live]) all.set(message.seq, message);
    expect([...all.keys()].sort((a, b) => a - b)).toEqual(range(1, 35));
    expect(seqs(synced.items)).toEqual(range(6, 35));
  });

  it('pages by seq at every boundary and counts unread messages from read cursors', async () => {
    const room = await createRoom(ann, [bob]);
    const socket = await open(1, ann);
    for (const n of range(1, 12)) {
      await ask(socket, 'message:send', {
        roomId: room.id,
        clientMsgId: `p${n}`,
        body: `page ${n}`,
      });
    }
    const page = async (query: string) => {
      const answer = await api<{ items: MessageView[]; hasMore: boolean }>(
        gateway(0),
        'GET',
        `/api/rooms/${room.id}/messages${query}`,
        { token: bob.token },
      );
      return answer.status === 200
        ? { seqs: seqs(answer.body.items), hasMore: answer.body.hasMore }
        : answer.status;
    };
    expect(await page('')).toEqual({ seqs: range(1, 12), hasMore: false });
    expect(await page('?limit=5')).toEqual({ seqs: range(8, 12), hasMore: true });
    expect(await page('?afterSeq=0&limit=5')).toEqual({ seqs: range(1, 5), hasMore: true });
    expect(await page('?afterSeq=10&limit=5')).toEqual({ seqs: [11, 12], hasMore: false });
    expect(await page('?afterSeq=12')).toEqual({ seqs: [], hasMore: false });
    expect(await page('?beforeSeq=8&limit=3')).toEqual({ seqs: [5, 6, 7], hasMore: true });
    expect(await page('?beforeSeq=3&limit=3')).toEqual({ seqs: [1, 2], hasMore: false });
    expect(await page('?afterSeq=2&beforeSeq=6&limit=2')).toEqual({ seqs: [3, 4], hasMore: true });
    expect(await page('?afterSeq=2&beforeSeq=6&limit=3')).toEqual({
      seqs: [3, 4, 5],
      hasMore: false,
    });
    for (const bad of [
      '?limit=0',
      '?limit=201',
      '?limit=x',
      '?afterSeq=-1',
      '?beforeSeq=0',
      '?extra=1',
    ]) {
      expect(await page(bad)).toBe(400);
    }
    expect(await page('?limit=200')).toEqual({ seqs: range(1, 12), hasMore: false });

    const unread = async (user: TestUser) => {
      const rooms = await api<{
        items: { id: string; unreadCount: number; lastMessage: MessageView | null }[];
      }>(gateway(1), 'GET', '/api/rooms', { token: user.token });
      const found = rooms.body.items.find((item) => item.id === room.id);
      return { unread: found?.unreadCount, last: found?.lastMessage?.seq };
    };
    expect(await unread(bob)).toEqual({ unread: 12, last: 12 });
    expect(await unread(ann)).toEqual({ unread: 0, last: 12 }); // one's own messages are read
    const readPath = `/api/rooms/${room.id}/read`;
    expect(
      (await api(gateway(0), 'POST', readPath, { token: bob.token, body: { seq: 9 } })).status,
    ).toBe(204);
    expect(await unread(bob)).toEqual({ unread: 3, last: 12 });
    expect(
      (await api(gateway(0), 'POST', readPath, { token: bob.token, body: { seq: 4 } })).status,
    ).toBe(204);
    expect(await unread(bob)).toEqual({ unread: 3, last: 12 }); // never back
    const bobSocket = await open(0, bob);
    expect(await ask(bobSocket, 'read', { roomId: room.id, seq: 1_000 })).toEqual({ ok: true });
    expect(await unread(bob)).toEqual({ unread: 0, last: 12 }); // never past the newest
    expect(
      (await api(gateway(0), 'POST', readPath, { token: bob.token, body: { seq: 'x' } })).status,
    ).toBe(400);
  });

  it('typing and read receipts reach the other members on the other instance', async () => {
    const room = await createRoom(ann, [bob]);
    const annSocket = await open(0, ann);
    const bobSocket = await open(1, bob);
    const heard: unknown[] = [];
    const annHeard: unknown[] = [];
    bobSocket.on('typing', (event: unknown) => heard.push(event));
    annSocket.on('typing', (event: unknown) => annHeard.push(event));
    annSocket.on('read', (event: unknown) => annHeard.push(event));
    expect(await ask(annSocket, 'typing', { roomId: room.id, typing: true })).toEqual({ ok: true });
    await eventually('bob hears ann typing', () => heard.length === 1);
    expect(heard).toEqual([{ roomId: room.id, userId: ann.userId, typing: true }]);
    const sent = await ask<{ message: MessageView }>(annSocket, 'message:send', {
      roomId: room.id,
      clientMsgId: 'r1',
      body: 'read me',
    });
    if (!sent.ok) throw new Error('send failed');
    expect(await ask(bobSocket, 'read', { roomId: room.id, seq: sent.message.seq })).toEqual({
      ok: true,
    });
    await eventually('ann hears the receipt', () => annHeard.length === 1);
    expect(annHeard).toEqual([{ roomId: room.id, userId: bob.userId, seq: 1 }]); // not her own typing
  });

  it('refuses a non-member everywhere, over REST and every event, and stores nothing', async () => {
    const room = await createRoom(ann, [bob]);
    const base = `/api/rooms/${room.id}`;
    const outsider = { token: cat.token };
    expect((await api(gateway(0), 'GET', base, outsider)).status).toBe(403);
    expect((await api(gateway(0), 'GET', `${base}/messages`, outsider)).status).toBe(403);
    expect(
      (
        await api(gateway(1), 'POST', `${base}/messages`, {
          ...outsider,
          body: { clientMsgId: 'c', body: 'hi' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await api(gateway(1), 'POST', `${base}/read`, { ...outsider, body: { seq: 1 } })).status,
    ).toBe(403);
    expect(
      (
        await api(gateway(1), 'POST', `${base}/members`, {
          ...outsider,
          body: { userId: cat.userId },
        })
      ).status,
    ).toBe(403);
    expect(
      (await api(gateway(1), 'DELETE', `${base}/members/${bob.userId}`, outsider)).status,
    ).toBe(403);
    const socket = await open(1, cat);
    const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };
    expect(
      await ask(socket, 'message:send', { roomId: room.id, clientMsgId: 'c', body: 'hi' }),
    ).toEqual(forbidden);
    expect(await ask(socket, 'typing', { roomId: room.id, typing: true })).toEqual(forbidden);
    expect(await ask(socket, 'read', { roomId: room.id, seq: 1 })).toEqual(forbidden);
    expect(await ask(socket, 'sync', { roomId: room.id, afterSeq: 0 })).toEqual(forbidden);
    expect(await ask(socket, 'sync', { roomId: randomUUID(), afterSeq: 0 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(socket.connected).toBe(true);
    const stored = await api<RoomView>(gateway(0), 'GET', base, { token: ann.token });
    expect(stored.body.lastSeq).toBe(0);
  });

  it('refuses a bad token and a foreign Origin at the handshake', async () => {
    await expect(socketOf(gateway(0), 'not-a-token')).rejects.toThrow('unauthorized');
    const { io } = await import('socket.io-client');
    const foreign = io(gateway(1), {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token: ann.token },
      extraHeaders: { Origin: 'http://evil.example' },
    });
    const outcome = await new Promise<string>((resolve) => {
      foreign.once('connect', () => resolve('connected'));
      foreign.once('connect_error', () => resolve('refused'));
    });
    foreign.disconnect();
    expect(outcome).toBe('refused');
  });
});
