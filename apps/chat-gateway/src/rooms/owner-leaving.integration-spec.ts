import { randomUUID } from 'node:crypto';
import { SAGA_COMMANDS, type RoomView, type SagaCommand } from '@scale-chat/contracts';
import { GatewayFixture, nextEvent, nextMatching, type Member } from '../testing/gateway-fixture';
import { sendOver, until } from '../testing/heard-messages';
import { RoomsRepository } from './rooms.repository';

jest.setTimeout(60_000);

type OwnerChange = { roomId: string; ownerId: string };

/** A command of the room saga `sagaId` to chat, as the orchestrator would send it. */
const roomSagaCommand = (
  sagaId: string,
  name: string,
  payload: { roomId: string; kind: 'room' | 'membership'; userIds: string[] },
): SagaCommand => ({
  sagaId,
  commandId: `${sagaId}:${name}`,
  sagaType: 'room',
  kind: name === SAGA_COMMANDS.activateRoom ? 'execute' : 'compensate',
  participant: 'chat-gateway',
  name,
  payload,
});

/**
 * The rule for an owner who leaves: the room passes to its longest-standing member, and
 * the room hears it (`room:owner`), whether the owner left by itself or with its account.
 * The leave goes through the REST API (or the deletion saga's step), its event through
 * the outbox and Kafka to the sockets.
 */
describe("an owner leaving its room (chat-gateway's rooms, real PostgreSQL and Kafka)", () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  const members = (count: number): Promise<Member[]> =>
    Promise.all(Array.from({ length: count }, () => chat.member()));

  it('passes the room to the longest-standing member when the owner leaves, and says so', async () => {
    const [owner, first, second] = (await members(3)) as [Member, Member, Member];
    const roomId = await chat.room([owner, first, second]);
    const announced = nextEvent<OwnerChange>(await chat.socket(second), 'room:owner');

    // The owner leaves, naming itself in upper case: the same id (one rule for ids).
    const path = `/api/rooms/${roomId.toUpperCase()}/members/${owner.userId.toUpperCase()}`;
    expect((await chat.call('DELETE', path, owner)).status).toBe(204);
    expect(await announced).toEqual({ roomId, ownerId: first.userId });

    const room = (await chat.call('GET', `/api/rooms/${roomId}`, second)).body as RoomView;
    expect(room.ownerId).toBe(first.userId);
    expect(room.members.map(({ userId, role }) => ({ userId, role }))).toEqual([
      { userId: first.userId, role: 'owner' },
      { userId: second.userId, role: 'member' },
    ]);
    // The new owner can do what an owner does: remove another member.
    const removal = await chat.call(
      'DELETE',
      `/api/rooms/${roomId}/members/${second.userId}`,
      first,
    );
    expect(removal.status).toBe(204);
  });

  it("refuses an owner's removal of a member queued behind its own leave, which passed the room to that member", async () => {
    const [owner, heir] = (await members(2)) as [Member, Member];
    const roomId = await chat.room([owner, heir]);
    const leaveOf = (member: Member) => `/api/rooms/${roomId}/members/${member.userId}`;
    // The owner leaves, and at once removes the heir: the leave is first for the room's
    // lock, so by the time the removal has it, the caller is no member and the heir owns it.
    const [leave, removal] = await chat.holdingRoom(roomId, async (queued) => {
      const first = chat.call('DELETE', leaveOf(owner), owner);
      await queued(1);
      const second = chat.call('DELETE', leaveOf(heir), owner);
      await queued(2);
      return [first, second];
    });
    expect((await leave).status).toBe(204);
    expect(await removal).toMatchObject({
      status: 403,
      body: { message: 'You are not a member of this room' },
    });
    const room = (await chat.call('GET', `/api/rooms/${roomId}`, heir)).body as RoomView;
    expect(room.members.map(({ userId, role }) => ({ userId, role }))).toEqual([
      { userId: heir.userId, role: 'owner' },
    ]);
  });

  it('passes the room on when the owner goes with its account; a room it did not own keeps its owner', async () => {
    const [owner, heir] = (await members(2)) as [Member, Member];
    const owned = await chat.room([owner, heir]);
    const joined = await chat.room([heir, owner]);
    const announced = nextEvent<OwnerChange>(await chat.socket(heir), 'room:owner');

    await chat.dataSource.transaction((manager) =>
      chat.roomSagaSteps.removeUserFromRooms(owner.userId, manager),
    );

    expect(await announced).toEqual({ roomId: owned, ownerId: heir.userId });
    for (const roomId of [owned, joined]) {
      const room = (await chat.call('GET', `/api/rooms/${roomId}`, heir)).body as RoomView;
      expect(room).toMatchObject({
        ownerId: heir.userId,
        members: [expect.objectContaining({ userId: heir.userId, role: 'owner' })],
      });
    }
  });

  it("tells a deleted account's rooms that it is offline, though its sockets are still open", async () => {
    const [gone, stays] = (await members(2)) as [Member, Member];
    const roomId = await chat.room([stays, gone]);
    const staysSocket = await chat.socket(stays);
    const goneOnline = nextMatching<{ userId: string; online: boolean }>(
      staysSocket,
      'presence',
      (event) => event.userId === gone.userId,
    );
    await chat.socket(gone);
    expect(await goneOnline).toEqual({ userId: gone.userId, online: true });
    const goneOffline = nextMatching<{ userId: string; online: boolean }>(
      staysSocket,
      'presence',
      (event) => event.userId === gone.userId,
    );
    const left = nextEvent<{ roomId: string; userId: string }>(staysSocket, 'member:left');

    await chat.dataSource.transaction((manager) =>
      chat.roomSagaSteps.removeUserFromRooms(gone.userId, manager),
    );

    expect(await left).toEqual({ roomId, userId: gone.userId });
    expect(await goneOffline).toEqual({ userId: gone.userId, online: false });
  });

  it('tells a member of several of its rooms once, not once a room', async () => {
    const [gone, stays] = (await members(2)) as [Member, Member];
    const rooms = [
      await chat.room([stays, gone]),
      await chat.room([gone, stays]),
      await chat.room([stays, gone]),
    ];
    const staysSocket = await chat.socket(stays);
    await chat.socket(gone);
    const heard: { event: string; userId?: string; online?: boolean }[] = [];
    staysSocket.onAny((event: string, payload: { userId?: string; online?: boolean }) =>
      heard.push({ event, userId: payload.userId, online: payload.online }),
    );

    await chat.dataSource.transaction((manager) =>
      chat.roomSagaSteps.removeUserFromRooms(gone.userId, manager),
    );
    const offlineHeard = () =>
      heard.some((each) => each.event === 'presence' && each.userId === gone.userId);
    await until(offlineHeard, 'the deleted account offline');
    // A message after it: broadcasts reach a socket in the order made, so once it is
    // heard, everything the removal made is (a second offline would be too).
    const marker = await sendOver(staysSocket, rooms[0] ?? '', 'after the removal');
    await until(
      () => heard.some((each) => each.event === 'message:new'),
      'the message after the removal',
    );
    expect(marker.seq).toBe(1);
    const offline = heard.filter(
      (each) => each.event === 'presence' && each.userId === gone.userId && each.online === false,
    );
    expect(heard.filter((each) => each.event === 'member:left')).toHaveLength(3);
    expect(offline).toHaveLength(1);
  });

  it('makes nobody owner of a direct room when the other member goes with its account', async () => {
    const [alice, bob] = (await members(2)) as [Member, Member];
    // As the room saga leaves a direct room that alice opened: both members are `member`.
    const roomId = randomUUID();
    const [low, high] = [alice.userId, bob.userId].sort();
    await chat.dataSource.query(
      `INSERT INTO "rooms" ("id", "kind", "name", "owner_id", "status", "direct_user_low", "direct_user_high")
       VALUES ($1, 'direct', NULL, $2, 'active', $3, $4)`,
      [roomId, alice.userId, low, high],
    );
    for (const member of [alice, bob])
      await chat.dataSource.query(
        `INSERT INTO "room_members" ("room_id", "user_id", "role", "status", "joined_at")
         VALUES ($1, $2, 'member', 'active', now())`,
        [roomId, member.userId],
      );

    await chat.dataSource.transaction((manager) =>
      chat.roomSagaSteps.removeUserFromRooms(alice.userId, manager),
    );

    const room = (await chat.call('GET', `/api/rooms/${roomId}`, bob)).body as RoomView;
    expect(room.members.map(({ userId, role }) => ({ userId, role }))).toEqual([
      { userId: bob.userId, role: 'member' },
    ]);
  });

  it('passes an emptied room to a member whose addition was under way when the owner left', async () => {
    const [owner, added] = (await members(2)) as [Member, Member];
    const roomId = await chat.room([owner]);
    await chat.dataSource.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
       VALUES ($1, $2, 'member', 'pending')`,
      [roomId, added.userId],
    );
    const path = `/api/rooms/${roomId}/members/${owner.userId}`;
    expect((await chat.call('DELETE', path, owner)).status).toBe(204);

    // The room saga's last step for the addition, as the orchestrator would send it.
    const command = roomSagaCommand(randomUUID(), SAGA_COMMANDS.activateRoom, {
      roomId,
      kind: 'membership',
      userIds: [added.userId],
    });
    const outcome = await chat.sagaStep(command);
    expect(outcome).toEqual({ outcome: 'succeeded' });
    const room = (await chat.call('GET', `/api/rooms/${roomId}`, added)).body as RoomView;
    expect(room).toMatchObject({
      ownerId: added.userId,
      members: [expect.objectContaining({ userId: added.userId, role: 'owner' })],
    });
  });

  it("fails a new room's activation, changing nothing, when its only member went with its account while its saga ran; the undo cancels it", async () => {
    const [owner] = (await members(1)) as [Member];
    const roomId = randomUUID();
    const sagaId = randomUUID();
    // As POST /api/rooms leaves it: the room and its member pending, for its saga.
    await chat.dataSource.transaction(async (manager) => {
      const rooms = new RoomsRepository(manager);
      await rooms.insertPendingRoom(roomId, 'ours', owner.userId, [owner.userId]);
      await rooms.recordSaga(roomId, [owner.userId], sagaId);
    });
    // The account deletion's step, after auth found the owner active for the room saga.
    await chat.dataSource.transaction((manager) =>
      chat.roomSagaSteps.removeUserFromRooms(owner.userId, manager),
    );
    const statusOfRoom = async () => {
      const [room] = (await chat.dataSource.query(`SELECT "status" FROM "rooms" WHERE "id" = $1`, [
        roomId,
      ])) as { status: string }[];
      return room?.status;
    };
    const step = (name: string) =>
      roomSagaCommand(sagaId, name, { roomId, kind: 'room', userIds: [owner.userId] });

    const outcome = await chat.sagaStep(step(SAGA_COMMANDS.activateRoom));
    expect(outcome).toEqual({ outcome: 'failed', reason: expect.any(String) as unknown });
    expect(await statusOfRoom()).toBe('pending');
    await chat.sagaStep(step(SAGA_COMMANDS.cancelRoom));
    expect(await statusOfRoom()).toBe('cancelled');
  });

  it('leaves an empty room as it is when its last member, the owner, leaves', async () => {
    const [owner] = (await members(1)) as [Member];
    const roomId = await chat.room([owner]);
    const path = `/api/rooms/${roomId}/members/${owner.userId}`;
    expect((await chat.call('DELETE', path, owner)).status).toBe(204);
    const rows = (await chat.dataSource.query(`SELECT "owner_id" FROM "rooms" WHERE "id" = $1`, [
      roomId,
    ])) as { owner_id: string }[];
    expect(rows).toEqual([{ owner_id: owner.userId }]);
  });
});
