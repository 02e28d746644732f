import type { ChangesPage, MessageView, RoomView } from '@scale-chat/contracts';
import type { TestService } from '@scale-chat/platform/testing';
import type { ChatConfig } from '../chat-config';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { ask, listen, until } from '../testing/heard-messages';

jest.setTimeout(120_000);

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

/**
 * API.md v1.1 on two instances of chat-gateway in this process (one database, one
 * consumer group, one Socket.IO topic, as two processes of a cluster): concurrent sends,
 * edits and reactions through both take versions 1..N with no gap or repeat, and every
 * member socket on both hears each change once, in that order; a client that was away
 * catches up on the other instance with one sync by afterVersion.
 */
describe('message changes on two gateway instances', () => {
  let chat: GatewayFixture;
  let twin: TestService<ChatConfig>;
  let ann: Member;
  let bob: Member;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
    twin = await chat.twin();
    [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
  });

  afterAll(async () => {
    await chat?.close();
  });

  const urls = () => [chat.gateway.url, twin.url] as const;

  it('keeps versions gapless and in one order on every socket of both instances', async () => {
    const roomId = await chat.room([ann, bob]);
    const [here, there] = urls();
    const sockets = await Promise.all([
      chat.socket(ann, here),
      chat.socket(ann, there),
      chat.socket(bob, here),
      chat.socket(bob, there),
    ]);
    const heard = sockets.map(listen);
    const base = `/api/rooms/${roomId}/messages`;
    const first = (await chat.call('POST', base, ann, { clientMsgId: 'first', body: 'hi' }))
      .body as MessageView;
    const emoji = [...'🍎🍐🍊🍋🍌🍉'];
    const answers = await Promise.all([
      ...range(1, 12).map((index) =>
        chat.call(
          'POST',
          base,
          index % 2 ? ann : bob,
          { clientMsgId: `burst-${index}`, body: `burst ${index}` },
          index % 3 ? here : there,
        ),
      ),
      ...range(1, 6).map((index) =>
        chat.call(
          'PATCH',
          `${base}/${first.seq}`,
          ann,
          { body: `hi ${index}` },
          index % 2 ? here : there,
        ),
      ),
      ...emoji.map((each, index) =>
        chat.call(
          'PUT',
          `${base}/${first.seq}/reactions/${encodeURIComponent(each)}`,
          index % 2 ? ann : bob,
          undefined,
          index % 2 ? there : here,
        ),
      ),
    ]);
    expect(answers.map((answer) => answer.status).filter((status) => status >= 300)).toEqual([]);
    const total = 1 + 12 + 6 + emoji.length;
    const room = (await chat.call('GET', `/api/rooms/${roomId}`, bob, undefined, there))
      .body as RoomView;
    expect(room.lastVersion).toBe(total);
    for (const each of heard) await until(() => each.length >= total, 'every change everywhere');
    // One change more: a repeat of any of the others would have come before it.
    await chat.call('DELETE', `${base}/${first.seq}`, ann, undefined, there);
    for (const each of heard) {
      await until(() => each.length >= total + 1, 'the deletion everywhere');
      expect(each.map(({ message }) => message.version)).toEqual(range(1, total + 1));
      expect(each.filter(({ event }) => event === 'message:new')).toHaveLength(13);
    }
  });

  it('a client away while messages change catches up on the other instance with one sync', async () => {
    const roomId = await chat.room([ann, bob]);
    const [here, there] = urls();
    const base = `/api/rooms/${roomId}/messages`;
    const sent: MessageView[] = [];
    for (const index of range(1, 4)) {
      const answer = await chat.call(
        'POST',
        base,
        ann,
        { clientMsgId: `m${index}`, body: `message ${index}` },
        index % 2 ? here : there,
      );
      sent.push(answer.body as MessageView);
    }
    // bob read everything up to here, on the first instance, then went away.
    const known = new Map(sent.map((message) => [message.seq, message]));
    const { lastVersion } = (await chat.call('GET', `/api/rooms/${roomId}`, bob)).body as RoomView;
    const [one, two, three] = sent as [MessageView, MessageView, MessageView];
    await chat.call('PATCH', `${base}/${one.seq}`, ann, { body: 'message 1, edited' }, there);
    await chat.call('PUT', `${base}/${two.seq}/reactions/%F0%9F%91%8D`, ann, undefined, here);
    await chat.call('DELETE', `${base}/${three.seq}`, ann, undefined, there);
    await chat.call('POST', base, ann, { clientMsgId: 'm5', body: 'five', replyToSeq: 1 }, here);
    await chat.call('PUT', `${base}/${two.seq}/reactions/%F0%9F%8E%89`, ann, undefined, there);
    const socket = await chat.socket(bob, there);
    const synced = await ask<ChangesPage>(socket, 'sync', { roomId, afterVersion: lastVersion });
    if (!synced.ok) throw new Error(synced.error.message);
    expect(synced.hasMore).toBe(false);
    expect(synced.items.map((item) => item.seq)).toEqual([one.seq, three.seq, 5, two.seq]);
    for (const message of synced.items) known.set(message.seq, message);
    const server = (await chat.call('GET', base, bob, undefined, here)).body as {
      items: MessageView[];
    };
    expect([...known.values()].sort((a, b) => a.seq - b.seq)).toEqual(server.items);
    expect(synced.lastVersion).toBe(lastVersion + 5);
  });
});
