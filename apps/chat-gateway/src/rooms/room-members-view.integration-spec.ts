import type { RoomMemberView, RoomView } from '@scale-chat/contracts';
import { eventuallyValue } from '@scale-chat/wait';
import type { Socket } from 'socket.io-client';
import { nextMatching, type Member } from '../testing/gateway-fixture';
import { twoGatewayInstances } from '../testing/two-instances';

jest.setTimeout(90_000);

type Presence = { userId: string; online: boolean };

/**
 * A room's members as `GET /api/rooms/:id` shows them (API.md v1.1): `online` as the
 * `presence` event would say now, on whichever instance the user's socket is, and
 * `lastReadSeq`, each member's read cursor, as the `read` events moved it.
 */
describe("a room's members with presence and read cursors (two instances, real PostgreSQL and Kafka)", () => {
  const cluster = twoGatewayInstances();

  const members = async (roomId: string, viewer: Member, baseUrl?: string) => {
    const answer = await cluster.chat.call(
      'GET',
      `/api/rooms/${roomId}`,
      viewer,
      undefined,
      baseUrl,
    );
    expect(answer.status).toBe(200);
    // Rooms made before v1.1 (as the fixture makes them) are groups, with their names.
    expect(answer.body).toMatchObject({ id: roomId, kind: 'group', name: 'ours' });
    return new Map((answer.body as RoomView).members.map((member) => [member.userId, member]));
  };
  const online = async (roomId: string, viewer: Member, baseUrl?: string) =>
    [...(await members(roomId, viewer, baseUrl)).values()]
      .filter((member) => member.online)
      .map((member) => member.userId)
      .sort();

  const presenceOf = (socket: Socket, userId: string) =>
    nextMatching<Presence>(socket, 'presence', (event) => event.userId === userId);

  it('shows who is online on any instance, as the presence events say, before any event reached the page', async () => {
    const [alice, ben, carol] = [
      await cluster.chat.member(),
      await cluster.chat.member(),
      await cluster.chat.member(),
    ];
    const roomId = await cluster.chat.room([alice, ben, carol]);
    const aliceSocket = await cluster.chat.socket(alice);
    const benOnline = presenceOf(aliceSocket, ben.userId);
    const benSocket = await cluster.chat.socket(ben, cluster.otherUrl);
    expect(await benOnline).toEqual({ userId: ben.userId, online: true });

    // Carol has no socket: offline. Both instances answer the same. (A presence event is
    // announced under the user's lock, which holds until Kafka has it: it may be heard a
    // moment before the change it announces commits, so the view is waited for.)
    const expected = [alice.userId, ben.userId].sort();
    const says = (baseUrl: string | undefined, users: readonly string[]) =>
      eventuallyValue(
        `the room view showing ${users.length} online`,
        () => online(roomId, carol, baseUrl),
        (shown) => JSON.stringify(shown) === JSON.stringify(users),
      );
    expect(await says(undefined, expected)).toEqual(expected);
    expect(await says(cluster.otherUrl, expected)).toEqual(expected);

    const benOffline = presenceOf(aliceSocket, ben.userId);
    benSocket.disconnect();
    expect(await benOffline).toEqual({ userId: ben.userId, online: false });
    expect(await says(cluster.otherUrl, [alice.userId])).toEqual([alice.userId]);
  });

  it("shows each member's read cursor as REST and the read event moved it", async () => {
    const [alice, ben] = [await cluster.chat.member(), await cluster.chat.member()];
    const roomId = await cluster.chat.room([alice, ben]);
    for (const clientMsgId of ['a', 'b', 'c']) {
      const sent = await cluster.chat.call('POST', `/api/rooms/${roomId}/messages`, alice, {
        clientMsgId,
        body: `message ${clientMsgId}`,
      });
      expect(sent.status).toBe(201);
    }
    const cursors = async () =>
      [...(await members(roomId, alice)).values()].map(({ userId, lastReadSeq }) => ({
        userId,
        lastReadSeq,
      }));
    expect(await cursors()).toEqual([
      { userId: alice.userId, lastReadSeq: 0 },
      { userId: ben.userId, lastReadSeq: 0 },
    ]);

    expect(
      (await cluster.chat.call('POST', `/api/rooms/${roomId}/read`, ben, { seq: 2 })).status,
    ).toBe(204);
    expect(await cursors()).toEqual([
      { userId: alice.userId, lastReadSeq: 0 },
      { userId: ben.userId, lastReadSeq: 2 },
    ]);

    // Over Socket.IO on the other instance: the read event Alice hears and the view agree.
    const aliceSocket = await cluster.chat.socket(alice);
    const heard = nextMatching<{ userId: string; seq: number }>(
      aliceSocket,
      'read',
      (event) => event.seq === 3,
    );
    const benSocket = await cluster.chat.socket(ben, cluster.otherUrl);
    const ack = (await benSocket.emitWithAck('read', { roomId, seq: 3 })) as { ok: boolean };
    expect(ack).toEqual({ ok: true });
    expect(await heard).toMatchObject({ userId: ben.userId, seq: 3 });
    const view: RoomMemberView | undefined = await eventuallyValue(
      "Ben's cursor in the view",
      async () => (await members(roomId, alice, cluster.otherUrl)).get(ben.userId),
      (member) => member?.lastReadSeq === 3,
    );
    expect(view).toMatchObject({ lastReadSeq: 3, online: true });
  });
});
