import { randomUUID } from 'node:crypto';
import { CHAT_LIMITS, SAGA_COMMANDS, type RoomView, type SagaCommand } from '@scale-chat/contracts';
import { eventuallyValue } from '@scale-chat/wait';
import { GatewayFixture, nextEvent, type Member } from '../testing/gateway-fixture';
import { listen, sendOver, until } from '../testing/heard-messages';

jest.setTimeout(60_000);

/**
 * `POST /api/rooms/:id/members` waits for the room saga, played here by the test: it
 * answers by how the saga ended, whose fault it was told apart.
 */
describe("adding a member through the room saga (chat-gateway's rooms, real PostgreSQL and Kafka)", () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  /** The user's membership row of the room, if it has one. */
  const membershipOf = async (roomId: string, user: Member) =>
    (await chat.dataSource.query(
      `SELECT "status", "saga_id" FROM "room_members" WHERE "room_id" = $1 AND "user_id" = $2`,
      [roomId, user.userId],
    )) as { status: string; saga_id: string | null }[];

  /**
   * Asks to add `user`; once the membership is pending, the call still waiting and the
   * saga the gateway requested for it (as the pending row records it).
   */
  async function requestAdd(caller: Member, roomId: string, user: Member) {
    const answer = chat.call('POST', `/api/rooms/${roomId}/members`, caller, {
      userId: user.userId,
    });
    const [pending] = await eventuallyValue(
      'the pending membership',
      () => membershipOf(roomId, user),
      (rows) => rows[0]?.status === 'pending',
    );
    return { answer, sagaId: pending?.saga_id ?? '' };
  }

  /** Saga `sagaId`'s `step` for adding `user`, as the orchestrator sends it. */
  function stepOf(
    sagaId: string,
    roomId: string,
    user: Member,
    step: { name: string; inactiveUserIds?: string[] },
  ): SagaCommand {
    const kind = step.name === SAGA_COMMANDS.activateRoom ? 'execute' : 'compensate';
    return {
      sagaId,
      commandId: randomUUID(),
      sagaType: 'room',
      kind,
      participant: 'chat-gateway',
      name: step.name,
      payload: {
        roomId,
        kind: 'membership',
        userIds: [user.userId],
        ...(step.inactiveUserIds === undefined ? {} : { inactiveUserIds: step.inactiveUserIds }),
      },
    };
  }

  /** Runs a command in chat-gateway's database, as its saga participant does. */
  const run = (command: SagaCommand) => chat.sagaStep(command);

  /** Asks to add `user`, then ends its saga with `step` once the membership is pending. */
  async function addEndedBy(
    caller: Member,
    roomId: string,
    user: Member,
    step: { name: string; inactiveUserIds?: string[] },
  ) {
    const { answer, sagaId } = await requestAdd(caller, roomId, user);
    await run(stepOf(sagaId, roomId, user, step));
    return answer;
  }

  it('answers 400 naming the user when the saga found them not active', async () => {
    const [owner, user] = [await chat.member(), await chat.member()];
    const roomId = await chat.room([owner]);
    const answer = await addEndedBy(owner, roomId, user, {
      name: SAGA_COMMANDS.cancelRoom,
      inactiveUserIds: [user.userId],
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ message: `These users are not active: ${user.userId}` });
  });

  it('answers 503 when the saga failed for a reason of its own (a step timed out), then adds on a new try', async () => {
    const [owner, user] = [await chat.member(), await chat.member()];
    const roomId = await chat.room([owner]);
    const failed = await addEndedBy(owner, roomId, user, { name: SAGA_COMMANDS.cancelRoom });
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({
      statusCode: 503,
      message: 'The member could not be added; please try again',
    });

    // The earlier cancellation does not answer the next attempt.
    const added = await addEndedBy(owner, roomId, user, { name: SAGA_COMMANDS.activateRoom });
    expect(added.status).toBe(201);
    // A room member as v1.1 shows one: offline (no socket) and nothing read yet.
    expect(added.body).toEqual({
      userId: user.userId,
      role: 'member',
      joinedAt: expect.any(String),
      online: false,
      lastReadSeq: 0,
    });
  });

  it('starts a new member with nothing unread: what was said before is history, not news', async () => {
    const [owner, user] = [await chat.member(), await chat.member()];
    const roomId = await chat.room([owner]);
    const ownerSocket = await chat.socket(owner);
    await sendOver(ownerSocket, roomId, 'before you came');
    await sendOver(ownerSocket, roomId, 'also before');
    const added = await addEndedBy(owner, roomId, user, { name: SAGA_COMMANDS.activateRoom });
    // Its read cursor is what it has read (nothing): receipts must not show it as a reader.
    expect(added.body).toMatchObject({ userId: user.userId, lastReadSeq: 0 });
    const unread = async () => {
      const list = await chat.call('GET', '/api/rooms', user);
      const items = (list.body as { items: { id: string; unreadCount: number }[] }).items;
      return items.find((item) => item.id === roomId)?.unreadCount;
    };
    expect(await unread()).toBe(0);
    await sendOver(ownerSocket, roomId, 'after you came');
    expect(await unread()).toBe(1);
  });

  it('fills a room to its cap: one of two adds for the last place gets it, and every add past it is a 409 that stores nothing', async () => {
    const max = CHAT_LIMITS.roomMembersMax;
    const [owner, user, rival, later] = [
      await chat.member(),
      await chat.member(),
      await chat.member(),
      await chat.member(),
    ];
    const roomId = await chat.room([owner]);
    // All places but one taken (the owner's and these).
    await chat.dataSource.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
       SELECT $1, gen_random_uuid(), 'member', 'active' FROM generate_series(1, $2::int)`,
      [roomId, max - 2],
    );
    const ownerSocket = await chat.socket(owner);
    const add = (member: Member) =>
      chat.call('POST', `/api/rooms/${roomId}/members`, owner, { userId: member.userId });
    const full = {
      status: 409,
      body: {
        statusCode: 409,
        error: 'Conflict',
        message: `The room is full: a room has at most ${max} members`,
      },
    };

    // Both at once, while the test holds the room's row: each counts only once it has the
    // room's lock, so one takes the last place and the other is refused.
    const answers = await chat.holdingRoom(roomId, async (queued) => {
      const calls = [user, rival].map(add);
      await queued(2);
      return calls;
    });
    const [pending] = await eventuallyValue(
      'a pending membership',
      async () =>
        (await chat.dataSource.query(
          `SELECT "user_id", "saga_id" FROM "room_members"
            WHERE "room_id" = $1 AND "user_id" = ANY($2::uuid[])`,
          [roomId, [user.userId, rival.userId]],
        )) as { user_id: string; saga_id: string }[],
      (rows) => rows.length > 0,
    );
    const winner = pending?.user_id === user.userId ? user : rival;
    const winnerSocket = await chat.socket(winner);
    const joined = nextEvent<RoomView>(winnerSocket, 'room:joined');
    const heard = listen(winnerSocket);
    await run(stepOf(pending?.saga_id ?? '', roomId, winner, { name: SAGA_COMMANDS.activateRoom }));
    const [userAnswer, rivalAnswer] = await Promise.all(answers);
    expect([userAnswer, rivalAnswer].map((answer) => answer?.status).sort()).toEqual([201, 409]);
    expect(winner === user ? rivalAnswer : userAnswer).toEqual(full);
    expect(await membershipOf(roomId, winner === user ? rival : user)).toEqual([]);
    const room = await joined;
    expect(room.members).toHaveLength(max);
    expect(room.members).toContainEqual(expect.objectContaining({ userId: winner.userId }));

    expect(await add(later)).toEqual(full);
    expect(await membershipOf(roomId, later)).toEqual([]);
    await sendOver(ownerSocket, roomId, 'after the room filled');
    await until(
      () => heard.some(({ message }) => message.body === 'after the room filled'),
      'the message after the room filled',
    );
  });

  /*
   * Saga commands may come more than once (a redelivery, the orchestrator's re-send on a
   * timeout). A late copy of an earlier saga's command for the same user must leave a
   * newer saga's pending membership to that saga, whose check of the user is under way.
   */
  it('refuses an add by a member whose removal was queued just ahead of it, and stores nothing', async () => {
    const [owner, removed, newcomer] = (await Promise.all([
      chat.member(),
      chat.member(),
      chat.member(),
    ])) as [Member, Member, Member];
    const roomId = await chat.room([owner, removed]);
    const [removal, add] = await chat.holdingRoom(roomId, async (queued) => {
      const first = chat.call('DELETE', `/api/rooms/${roomId}/members/${removed.userId}`, owner);
      await queued(1);
      const second = chat.call('POST', `/api/rooms/${roomId}/members`, removed, {
        userId: newcomer.userId,
      });
      await queued(2);
      return [first, second];
    });
    expect((await removal).status).toBe(204);
    expect(await add).toMatchObject({
      status: 403,
      body: { message: 'You are not a member of this room' },
    });
    expect(await membershipOf(roomId, newcomer)).toEqual([]);
  });

  it("leaves a newer saga's pending membership alone when an earlier saga's activate-room comes again", async () => {
    const [owner, user] = [await chat.member(), await chat.member()];
    const roomId = await chat.room([owner]);
    const first = await requestAdd(owner, roomId, user);
    const firstActivation = stepOf(first.sagaId, roomId, user, {
      name: SAGA_COMMANDS.activateRoom,
    });
    await run(firstActivation);
    expect((await first.answer).status).toBe(201);
    const leave = `/api/rooms/${roomId}/members/${user.userId}`;
    expect((await chat.call('DELETE', leave, user)).status).toBe(204);

    const second = await requestAdd(owner, roomId, user);
    expect(second.sagaId).not.toBe(first.sagaId);
    await expect(run(firstActivation)).resolves.toEqual({ outcome: 'succeeded' });
    expect(await membershipOf(roomId, user)).toEqual([
      { status: 'pending', saga_id: second.sagaId },
    ]);

    // The newer saga's own outcome still decides.
    await run(stepOf(second.sagaId, roomId, user, { name: SAGA_COMMANDS.activateRoom }));
    expect((await second.answer).status).toBe(201);
  });

  it("leaves a newer saga's pending membership alone when an earlier saga's cancel-room comes again", async () => {
    const [owner, user] = [await chat.member(), await chat.member()];
    const roomId = await chat.room([owner]);
    const first = await requestAdd(owner, roomId, user);
    const firstCancellation = stepOf(first.sagaId, roomId, user, {
      name: SAGA_COMMANDS.cancelRoom,
    });
    await run(firstCancellation);
    expect((await first.answer).status).toBe(503);

    const second = await requestAdd(owner, roomId, user);
    expect(second.sagaId).not.toBe(first.sagaId);
    await expect(run(firstCancellation)).resolves.toEqual({ outcome: 'succeeded' });
    expect(await membershipOf(roomId, user)).toEqual([
      { status: 'pending', saga_id: second.sagaId },
    ]);

    await run(stepOf(second.sagaId, roomId, user, { name: SAGA_COMMANDS.activateRoom }));
    const added = await second.answer;
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ userId: user.userId, role: 'member' });
  });
});
