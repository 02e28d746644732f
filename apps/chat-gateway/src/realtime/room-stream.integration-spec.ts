import type { MessageView } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { listen, sendOver, until } from '../testing/heard-messages';
import { LiveRooms } from './live-rooms';

jest.setTimeout(60_000);

/**
 * A room's messages and their changes are one stream in `version` order: a broadcast
 * repeated (as by a relay that took over from one that died after broadcasting) reaches
 * no socket twice, `message:new` and `message:updated` alike (API.md v1.1: exactly once).
 */
describe("a room's stream of messages and changes", () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('delivers a repeated message:new or message:updated once, and what follows it', async () => {
    const [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    const roomId = await chat.room([ann, bob]);
    const [annSocket, bobSocket] = [await chat.socket(ann), await chat.socket(bob)];
    const heard = listen(bobSocket);
    const first = await sendOver(annSocket, roomId, 'first');
    const edit = await chat.call('PATCH', `/api/rooms/${roomId}/messages/${first.seq}`, ann, {
      body: 'first, edited',
    });
    expect(edit.status).toBe(200);
    const edited = edit.body as MessageView;
    await until(() => heard.length === 2, 'the message and its edit');

    // What a relay taking over broadcasts again: both are dropped by their version.
    const live = chat.gateway.app.get(LiveRooms);
    live.messageStored(first);
    live.messageUpdated(edited);
    const second = await sendOver(annSocket, roomId, 'second');
    await until(
      () => heard.some(({ message }) => message.seq === second.seq),
      () => JSON.stringify(heard.map(({ event, message }) => [event, message.version])),
    );
    expect(heard.map(({ event, message }) => [event, message.body, message.version])).toEqual([
      ['message:new', 'first', first.version],
      ['message:updated', 'first, edited', edited.version],
      ['message:new', 'second', second.version],
    ]);
  });
});
