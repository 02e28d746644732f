import { eventually } from '@scale-chat/wait';
import type { Server } from 'socket.io';
import { RoomsService } from '../rooms/rooms.service';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { listen, sendOver, until } from '../testing/heard-messages';
import { chatRoom, LiveRooms } from './live-rooms';

jest.setTimeout(60_000);

/**
 * Socket.IO applies membership changes to connected sockets only. A socket reads its
 * rooms while it is admitted, before it connects; a member removed in between must not
 * go on hearing the room once connected.
 */
describe("a socket's rooms when a membership changes while it is admitted", () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('leaves a room its user was removed from between reading its rooms and connecting', async () => {
    const [owner, user] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    const [removedFrom, stays] = [await chat.room([owner, user]), await chat.room([owner, user])];
    const ownerSocket = await chat.socket(owner);
    // A socket of the user's already connected: the removal is applied to it.
    const earlier = await chat.socket(user);
    // Inside: the instance's own view of its sockets (a client cannot see its rooms).
    const server = (chat.gateway.app.get(LiveRooms) as unknown as { server: Server }).server;
    const roomsOf = (id: string | undefined) => server.of('/').sockets.get(id ?? '')?.rooms;

    // The user's admission reads its rooms, then waits until its removal from one of them
    // has been committed and applied on this instance, then goes on with what it read.
    let applied!: () => void;
    const removalApplied = new Promise<void>((resolve) => (applied = resolve));
    let read!: () => void;
    const roomsRead = new Promise<void>((resolve) => (read = resolve));
    const rooms = chat.gateway.app.get(RoomsService);
    const readRooms = rooms.roomIdsOf.bind(rooms);
    jest.spyOn(rooms, 'roomIdsOf').mockImplementationOnce(async (userId) => {
      const before = await readRooms(userId);
      read();
      await removalApplied;
      return before;
    });
    const connecting = chat.socket(user);
    await roomsRead;
    const removal = await chat.call(
      'DELETE',
      `/api/rooms/${removedFrom}/members/${user.userId}`,
      owner,
    );
    expect(removal.status).toBe(204);
    await eventually('the removal applied to the connected socket', () => {
      const rooms = roomsOf(earlier.id);
      return rooms !== undefined && !rooms.has(chatRoom(removedFrom));
    });
    applied();
    const socket = await connecting;
    const heard = listen(socket);

    await eventually('the stale room left', () => {
      const rooms = roomsOf(socket.id);
      return rooms !== undefined && !rooms.has(chatRoom(removedFrom));
    });
    // A message of the room it left, then one of a room it is in: the second arrives, the
    // first never does (both go through the one ordered topic).
    await sendOver(ownerSocket, removedFrom, 'not for the removed');
    await sendOver(ownerSocket, stays, 'for everyone');
    await until(
      () => heard.some(({ message }) => message.body === 'for everyone'),
      'the message of the room it stays in',
    );
    expect(heard.map(({ message }) => message.body)).toEqual(['for everyone']);
  });
});
