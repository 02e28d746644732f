import { randomUUID } from 'node:crypto';
import type { ChangesPage } from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask, listen, sendOver, until, type Heard } from '../testing/heard-messages';

jest.setTimeout(120_000);

/**
 * API.md v1.1 over Socket.IO on a real chat-gateway (real PostgreSQL and Kafka): the
 * events on one message, their error acks, message:updated to every member socket once
 * and in version order with message:new, sync by afterVersion, and recovery.
 */
describe('messages v1.1 over Socket.IO', () => {
  let chat: GatewayFixture;
  let ann: Member;
  let bob: Member;
  let roomId: string;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
    [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    roomId = await chat.room([ann, bob]);
  });

  afterAll(async () => {
    await chat?.close();
  });

  const lastVersion = async () =>
    Number(
      (
        (await chat.dataSource.query(`SELECT "last_version" FROM "rooms" WHERE "id" = $1`, [
          roomId,
        ])) as { last_version: string }[]
      )[0]?.last_version,
    );

  it('sends message:updated to every member socket once, in version order with message:new', async () => {
    const sockets = await Promise.all([chat.socket(ann), chat.socket(bob), chat.socket(bob)]);
    const [annSocket] = sockets as [Socket, Socket, Socket];
    const heard = sockets.map(listen);
    const start = await lastVersion();
    const sent = await sendOver(annSocket, roomId, 'hello');
    const { seq } = sent;
    const acks = [
      await ask(annSocket, 'message:edit', { roomId, seq, body: 'hello, edited' }),
      await ask(annSocket, 'reaction:add', { roomId, seq, emoji: '👍' }),
      await chat.call('PUT', `/api/rooms/${roomId}/messages/${seq}/reactions/%F0%9F%8E%89`, bob),
      await ask(annSocket, 'reaction:remove', { roomId, seq, emoji: '👍' }),
      await ask(annSocket, 'message:delete', { roomId, seq }),
    ];
    expect(acks.map((ack) => ('ok' in ack ? ack.ok : ack.status))).toEqual([
      true,
      true,
      200,
      true,
      true,
    ]);
    const expected = Array.from({ length: 6 }, (_, index) => start + 1 + index);
    for (const socketHeard of heard) {
      await until(() => socketHeard.length >= expected.length, 'six events on every socket');
    }
    // A moment for a repeat to show, had one been sent.
    await ask(annSocket, 'typing', { roomId, typing: false });
    for (const socketHeard of heard) {
      expect(socketHeard.map(({ message }) => message.version)).toEqual(expected);
      expect(socketHeard.map(({ event }) => event)).toEqual([
        'message:new',
        ...Array<string>(5).fill('message:updated'),
      ]);
      expect(socketHeard.at(-1)?.message).toMatchObject({ body: '', reactions: [] });
      expect(socketHeard[3]?.message.reactions).toEqual([
        { emoji: '👍', userIds: [ann.userId] },
        { emoji: '🎉', userIds: [bob.userId] },
      ]);
    }
  });

  it('acks each refusal with its code, and stores nothing', async () => {
    const [annSocket, bobSocket] = await Promise.all([chat.socket(ann), chat.socket(bob)]);
    const sent = await sendOver(annSocket, roomId, 'mine');
    const { seq } = sent;
    const before = await lastVersion();
    const refusals: [Socket, string, unknown, string][] = [
      [bobSocket, 'message:edit', { roomId, seq, body: 'not mine' }, 'forbidden'],
      [annSocket, 'message:edit', { roomId, seq: 999_999, body: 'none' }, 'not_found'],
      [annSocket, 'message:edit', { roomId: randomUUID(), seq, body: 'no room' }, 'not_found'],
      [annSocket, 'message:edit', { roomId, seq, body: '  ' }, 'bad_request'],
      [annSocket, 'message:edit', { roomId, seq, body: 'x'.repeat(4_001) }, 'payload_too_large'],
      [annSocket, 'message:edit', { roomId, seq, body: 'ok', extra: 1 }, 'bad_request'],
      [annSocket, 'message:edit', { roomId, seq: '1', body: 'ok' }, 'bad_request'],
      [annSocket, 'message:delete', { roomId }, 'bad_request'],
      [bobSocket, 'message:delete', { roomId, seq }, 'forbidden'],
      [annSocket, 'reaction:add', { roomId, seq, emoji: 'a' }, 'bad_request'],
      [annSocket, 'reaction:add', { roomId, seq, emoji: '👍👍' }, 'bad_request'],
      [annSocket, 'reaction:remove', { roomId, seq, emoji: 7 }, 'bad_request'],
      [annSocket, 'reaction:add', 'not an object', 'bad_request'],
      [
        annSocket,
        'message:send',
        { roomId, clientMsgId: 'r', body: 'x', replyToSeq: 999_999 },
        'bad_request',
      ],
      [annSocket, 'sync', { roomId, afterVersion: -1 }, 'bad_request'],
      [annSocket, 'sync', { roomId, afterVersion: 0, afterSeq: 0 }, 'bad_request'],
    ];
    for (const [socket, event, payload, code] of refusals) {
      const ack = await ask(socket, event, payload);
      expect({ event, payload, ack }).toMatchObject({ ack: { ok: false, error: { code } } });
    }
    expect(await ask(annSocket, 'sync', { roomId, afterVersion: 0, afterSeq: 0 })).toMatchObject({
      error: { message: 'sync takes afterSeq or afterVersion, not both' },
    });
    expect(await lastVersion()).toBe(before);
    await ask(annSocket, 'message:delete', { roomId, seq });
    // 409 (deleted) is bad_request among API.md's ack codes.
    expect(await ask(annSocket, 'message:edit', { roomId, seq, body: 'late' })).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: 'The message was deleted' },
    });
    expect(socketsStillConnected([annSocket, bobSocket])).toBe(true);
  });

  it('syncs by afterVersion as GET …/changes does', async () => {
    const socket = await chat.socket(ann);
    const from = await lastVersion();
    const sent = await sendOver(socket, roomId, 'a');
    await ask(socket, 'message:send', { roomId, clientMsgId: randomUUID(), body: 'b' });
    await ask(socket, 'message:edit', { roomId, seq: sent.seq, body: 'a2' });
    const synced = await ask<ChangesPage>(socket, 'sync', { roomId, afterVersion: from });
    const rest = await chat.call('GET', `/api/rooms/${roomId}/changes?afterVersion=${from}`, ann);
    expect(synced).toEqual({ ok: true, ...(rest.body as ChangesPage) });
    expect(synced.ok && synced.items.map((item) => item.body)).toEqual(['b', 'a2']);
    expect(synced.ok && synced.lastVersion).toBe(from + 3);
    const limited = await ask<ChangesPage>(socket, 'sync', {
      roomId,
      afterVersion: from,
      limit: 1,
    });
    expect(limited).toMatchObject({ ok: true, hasMore: true, items: [{ body: 'b' }] });
  });

  it('gives a recovered socket the message:updated it missed', async () => {
    const socket = await chat.socket(ann, chat.gateway.url, { reconnecting: true });
    const heard = listen(socket);
    const sent = await sendOver(socket, roomId, 'before');
    // Only this message's events count: one of an earlier test may still be on its way.
    const of = (event: Heard['event']) =>
      heard.filter((entry) => entry.event === event && entry.message.seq === sent.seq);
    const seen = () =>
      `heard ${JSON.stringify(heard.map(({ event, message }) => [event, message.seq, message.version]))}`;
    await until(
      () => of('message:new').length === 1,
      () => `the message:new; ${seen()}`,
    );
    const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    socket.io.engine.close(); // the transport drops: a reason to recover from
    await gone;
    const edited = await chat.call('PATCH', `/api/rooms/${roomId}/messages/${sent.seq}`, ann, {
      body: 'while away',
    });
    expect(edited.status).toBe(200);
    await until(() => socket.connected, 'the reconnection');
    expect(socket.recovered).toBe(true);
    // A relay that publishes a batch again repeats its message:updated, which clients
    // drop by version (docs/chat.md): every one heard is this edit.
    await until(
      () => of('message:updated').length > 0,
      () => `the missed message:updated; ${seen()}`,
    );
    for (const update of of('message:updated'))
      expect(update).toEqual({ event: 'message:updated', message: edited.body });
  });
});

function socketsStillConnected(sockets: readonly Socket[]): boolean {
  return sockets.every((socket) => socket.connected);
}
