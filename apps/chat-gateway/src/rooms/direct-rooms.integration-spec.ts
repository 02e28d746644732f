import { randomUUID } from 'node:crypto';
import { SAGA_COMMANDS, type RoomView, type SagaCommand } from '@scale-chat/contracts';
import { eventuallyValue } from '@scale-chat/wait';
import { nextEvent, type Member } from '../testing/gateway-fixture';
import { twoGatewayInstances } from '../testing/two-instances';

jest.setTimeout(90_000);

/**
 * `POST /api/rooms/direct` (API.md v1.1) on two gateway instances over one database and
 * Kafka. The room saga's middle step (auth confirming the users) is played here: once the
 * pending room is stored, its last step or its compensation runs as the orchestrator
 * would send it, and the waiting calls answer from the room's status, as in production.
 */
describe("direct rooms (chat-gateway's rooms, real PostgreSQL and Kafka, two instances)", () => {
  const cluster = twoGatewayInstances();

  const user = (): Promise<Member> => cluster.chat.knownMember();

  const directRoomsOf = async (a: Member, b: Member) =>
    (await cluster.chat.dataSource.query(
      `SELECT "id", "status" FROM "rooms"
        WHERE "kind" = 'direct' AND "direct_user_low" = LEAST($1::uuid, $2::uuid)
          AND "direct_user_high" = GREATEST($1::uuid, $2::uuid)`,
      [a.userId, b.userId],
    )) as { id: string; status: string }[];

  /** Waits for the pair's pending direct room, then runs the saga's step `name` on it. */
  async function finishSaga(
    a: Member,
    b: Member,
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const [pending] = await eventuallyValue(
      'the pending direct room',
      async () => (await directRoomsOf(a, b)).filter((room) => room.status === 'pending'),
      (rooms) => rooms.length === 1,
    );
    const roomId = pending?.id ?? '';
    // The saga the gateway requested for the room, as its pending members record it.
    const [member] = (await cluster.chat.dataSource.query(
      `SELECT "saga_id" FROM "room_members" WHERE "room_id" = $1 LIMIT 1`,
      [roomId],
    )) as { saga_id: string }[];
    const command: SagaCommand = {
      sagaId: member?.saga_id ?? '',
      commandId: randomUUID(),
      sagaType: 'room',
      kind: name === SAGA_COMMANDS.activateRoom ? 'execute' : 'compensate',
      participant: 'chat-gateway',
      name,
      payload: { roomId, kind: 'room', userIds: [a.userId, b.userId], ...extra },
    };
    await cluster.chat.sagaStep(command);
    return roomId;
  }
  const activate = (a: Member, b: Member) => finishSaga(a, b, SAGA_COMMANDS.activateRoom);

  const open = (caller: Member, body: unknown, baseUrl?: string) =>
    cluster.chat.call('POST', '/api/rooms/direct', caller, body, baseUrl);

  it('opens one direct room (201), then answers it again to either user (200)', async () => {
    const [alice, ben] = [await user(), await user()];
    const joined = nextEvent<RoomView>(await cluster.chat.socket(ben), 'room:joined');

    const [first] = await Promise.all([
      open(alice, { userId: ben.userId.toUpperCase() }),
      activate(alice, ben),
    ]);
    expect(first.status).toBe(201);
    const room = first.body as RoomView;
    expect(room).toMatchObject({ kind: 'direct', name: null, ownerId: alice.userId });
    expect(room.members.map(({ userId, role }) => ({ userId, role })).sort(byUser)).toEqual(
      [
        { userId: alice.userId, role: 'member' },
        { userId: ben.userId, role: 'member' },
      ].sort(byUser),
    );
    // room.created went through the outbox and Kafka with its kind, to Ben's socket.
    expect(await joined).toMatchObject({ id: room.id, kind: 'direct', name: null });

    const again = await open(alice, { userId: ben.userId });
    const fromBen = await open(ben, { userId: alice.userId }, cluster.otherUrl);
    expect([again.status, fromBen.status]).toEqual([200, 200]);
    expect([(again.body as RoomView).id, (fromBen.body as RoomView).id]).toEqual([
      room.id,
      room.id,
    ]);
    expect(await directRoomsOf(alice, ben)).toEqual([{ id: room.id, status: 'active' }]);
    const listed = (await cluster.chat.call('GET', '/api/rooms', ben)).body as {
      items: { id: string; kind: string; name: string | null }[];
    };
    expect(listed.items).toEqual([expect.objectContaining({ id: room.id, kind: 'direct' })]);
  });

  it('makes one room when both users ask at the same moment on different instances', async () => {
    const [alice, ben] = [await user(), await user()];
    const [fromAlice, fromBen] = await Promise.all([
      open(alice, { userId: ben.userId }),
      open(ben, { userId: alice.userId }, cluster.otherUrl),
      activate(alice, ben),
    ]);
    expect([fromAlice.status, fromBen.status].sort()).toEqual([200, 201]);
    const ids = [fromAlice.body, fromBen.body].map((body) => (body as RoomView).id);
    expect(ids[0]).toBe(ids[1]);
    expect(await directRoomsOf(alice, ben)).toEqual([{ id: ids[0], status: 'active' }]);
  });

  it('holds one room per pair in the database itself, whoever inserts', async () => {
    const [alice, ben] = [await user(), await user()];
    const insert = () =>
      cluster.chat.dataSource.query(
        `INSERT INTO "rooms" ("id", "kind", "name", "owner_id", "status", "direct_user_low", "direct_user_high")
         VALUES ($1, 'direct', NULL, $2, 'active', LEAST($2::uuid, $3::uuid), GREATEST($2::uuid, $3::uuid))`,
        [randomUUID(), alice.userId, ben.userId],
      );
    await insert();
    await expect(insert()).rejects.toThrow(/UQ_rooms_direct_pair/);
  });

  it("answers 400 for the caller's own id or a malformed body, 404 for an unknown user, storing nothing", async () => {
    const alice = await user();
    const before = await countRooms();
    const bad = [
      { userId: alice.userId },
      {},
      { userId: 'not-a-uuid' },
      { userId: randomUUID(), extra: 1 },
      { userId: 7 },
      [],
    ];
    for (const body of bad) {
      const answer = await open(alice, body);
      expect(answer).toMatchObject({
        status: 400,
        body: { statusCode: 400, error: 'Bad Request', message: expect.anything() },
      });
    }
    const unknown = await open(alice, { userId: randomUUID() });
    expect(unknown).toMatchObject({ status: 404, body: { statusCode: 404, error: 'Not Found' } });
    expect(await countRooms()).toBe(before);
  });

  it('answers 400 naming a user who is not active (the saga cancelled the room)', async () => {
    const [alice, pending] = [await user(), await user()];
    const [answer] = await Promise.all([
      open(alice, { userId: pending.userId }),
      finishSaga(alice, pending, SAGA_COMMANDS.cancelRoom, {
        inactiveUserIds: [pending.userId],
      }),
    ]);
    expect(answer).toMatchObject({ status: 400, body: { statusCode: 400 } });
    expect(JSON.stringify(answer.body)).toContain(pending.userId);
    // The cancelled room keeps no members and no longer holds the pair.
    expect((await directRoomsOf(alice, pending)).map((room) => room.status)).toEqual(['cancelled']);
  });

  it('refuses to add or remove members of a direct room (403)', async () => {
    const [alice, ben, carol] = [await user(), await user(), await user()];
    const [opened] = await Promise.all([open(alice, { userId: ben.userId }), activate(alice, ben)]);
    const roomId = (opened.body as RoomView).id;
    const added = await cluster.chat.call('POST', `/api/rooms/${roomId}/members`, alice, {
      userId: carol.userId,
    });
    const left = await cluster.chat.call(
      'DELETE',
      `/api/rooms/${roomId}/members/${alice.userId}`,
      alice,
    );
    const removed = await cluster.chat.call(
      'DELETE',
      `/api/rooms/${roomId}/members/${ben.userId}`,
      alice,
    );
    for (const answer of [added, left, removed]) {
      expect(answer).toMatchObject({ status: 403, body: { statusCode: 403, error: 'Forbidden' } });
    }
    const room = (await cluster.chat.call('GET', `/api/rooms/${roomId}`, ben)).body as RoomView;
    expect(room.members.map((member) => member.userId).sort()).toEqual(
      [alice.userId, ben.userId].sort(),
    );
  });

  it('brings back a member who left with an account deletion that was then undone, through the room saga', async () => {
    const [alice, ben] = [await user(), await user()];
    const [first] = await Promise.all([open(alice, { userId: ben.userId }), activate(alice, ben)]);
    const roomId = (first.body as RoomView).id;
    // Ben's account deletion: he leaves his rooms with his chat profile; then a later step
    // fails, and the undo gives the profile back (auth restores the account), not the rooms.
    const step = (name: string, payload: Record<string, unknown>): SagaCommand => ({
      sagaId: randomUUID(),
      commandId: randomUUID(),
      sagaType: 'account-deletion',
      kind: name === SAGA_COMMANDS.createChatProfile ? 'compensate' : 'execute',
      participant: 'chat-gateway',
      name,
      payload,
    });
    const run = (command: SagaCommand) => cluster.chat.sagaStep(command);
    const who = { userId: ben.userId, username: `u${ben.userId.slice(0, 8)}`, displayName: 'Ben' };
    await run(step(SAGA_COMMANDS.removeUserFromRooms, who));
    await run(step(SAGA_COMMANDS.createChatProfile, who));
    expect((await cluster.chat.call('GET', `/api/rooms/${roomId}`, ben)).status).toBe(403);

    // Alice asks for their room again: Ben comes back to it once the saga finds him active.
    const joined = nextEvent<RoomView>(await cluster.chat.socket(ben), 'room:joined');
    const answer = open(alice, { userId: ben.userId });
    const [pending] = await eventuallyValue(
      "Ben's membership, pending its saga",
      async () =>
        (await cluster.chat.dataSource.query(
          `SELECT "saga_id" FROM "room_members"
            WHERE "room_id" = $1 AND "user_id" = $2 AND "status" = 'pending'`,
          [roomId, ben.userId],
        )) as { saga_id: string }[],
      (rows) => rows.length === 1,
    );
    await cluster.chat.sagaStep({
      sagaId: pending?.saga_id ?? '',
      commandId: randomUUID(),
      sagaType: 'room',
      kind: 'execute',
      participant: 'chat-gateway',
      name: SAGA_COMMANDS.activateRoom,
      payload: { roomId, kind: 'membership', userIds: [ben.userId] },
    });
    const again = await answer;
    expect(again.status).toBe(200);
    expect((again.body as RoomView).id).toBe(roomId);
    expect((again.body as RoomView).members.map((member) => member.userId).sort()).toEqual(
      [alice.userId, ben.userId].sort(),
    );
    expect((await joined).id).toBe(roomId);
    expect((await cluster.chat.call('GET', `/api/rooms/${roomId}`, ben)).status).toBe(200);
    expect(await directRoomsOf(alice, ben)).toEqual([{ id: roomId, status: 'active' }]);
  });

  async function countRooms(): Promise<number> {
    const [row] = (await cluster.chat.dataSource.query(
      `SELECT (SELECT count(*) FROM "rooms") + (SELECT count(*) FROM "room_members") AS "n"`,
    )) as { n: string }[];
    return Number(row?.n);
  }
});

const byUser = (a: { userId: string }, b: { userId: string }) => a.userId.localeCompare(b.userId);
