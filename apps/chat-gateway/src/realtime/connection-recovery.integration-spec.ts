import { randomUUID } from 'node:crypto';
import type { MessageView } from '@scale-chat/contracts';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { listen, until } from '../testing/heard-messages';

jest.setTimeout(120_000);

/**
 * API.md: "a client that comes back within two minutes gets `socket.recovered === true`
 * and the packets it missed", also a client that has heard nothing yet. Socket.IO's
 * client asks for recovery with the offset of the last broadcast it received, and sends
 * none before the first (socketio/socket.io#4888), so the gateway gives every new socket
 * one: its own user's `presence`.
 */
describe('connection-state recovery of a socket that heard nothing yet', () => {
  let chat: GatewayFixture;
  let ann: Member;
  let bob: Member;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
    [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('hears its own user online first, then recovers what a quiet room sent while it was away', async () => {
    const roomId = await chat.room([ann, bob]);
    // bob is online already (another tab), and ann heard so: no presence of bob's room
    // broadcasts is left to reach the new socket.
    const annSocket = await chat.socket(ann);
    const annHeard: unknown[] = [];
    annSocket.on('presence', (event: unknown) => annHeard.push(event));
    await chat.socket(bob);
    await until(() => annHeard.length > 0, 'ann hearing bob online');
    const socket = await chat.socket(bob, chat.gateway.url, { reconnecting: true });
    const presence: unknown[] = [];
    socket.on('presence', (event: unknown) => presence.push(event));
    const heard = listen(socket);
    await until(
      () => presence.length > 0,
      () => `bob's own presence; heard ${JSON.stringify(presence)}`,
    );
    expect(presence).toEqual([{ userId: bob.userId, online: true }]);
    const firstId = socket.id;

    const gone = new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
    socket.io.engine.close(); // the transport drops: a reason to recover from
    await gone;
    const sent = await chat.call('POST', `/api/rooms/${roomId}/messages`, ann, {
      clientMsgId: randomUUID(),
      body: 'while bob was away',
    });
    expect(sent.status).toBe(201);
    await until(() => socket.connected, 'the reconnection');

    expect({ recovered: socket.recovered, sameId: socket.id === firstId }).toEqual({
      recovered: true,
      sameId: true,
    });
    await until(
      () => heard.length > 0,
      () => `the missed message; heard ${JSON.stringify(heard)}`,
    );
    expect(heard).toEqual([{ event: 'message:new', message: sent.body as MessageView }]);

    // Recovered, it is not given a new offset: no second presence, though a message sent
    // after the reconnection (behind any such broadcast on the topic) has come.
    const after = await chat.call('POST', `/api/rooms/${roomId}/messages`, ann, {
      clientMsgId: randomUUID(),
      body: 'after the return',
    });
    await until(
      () => heard.length === 2,
      () => `the message after; heard ${JSON.stringify(heard)}`,
    );
    expect(heard[1]?.message).toEqual(after.body);
    expect(presence).toHaveLength(1);
  });
});
