import { randomUUID } from 'node:crypto';
import { SAGA_COMMANDS, type SagaCommand } from '@scale-chat/contracts';
import { eventually } from '@scale-chat/wait';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';
import { activateRoom, cancelRoom } from './room-saga-handlers';

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

  /** Asks to add `user`, then ends its saga with `step` once the membership is pending. */
  async function addEndedBy(
    caller: Member,
    roomId: string,
    user: Member,
    step: { name: string; inactiveUserIds?: string[] },
  ) {
    const answer = chat.call('POST', `/api/rooms/${roomId}/members`, caller, {
      userId: user.userId,
    });
    await eventually('the pending membership', async () => {
      const rows = (await chat.dataSource.query(
        `SELECT 1 FROM "room_members" WHERE "room_id" = $1 AND "user_id" = $2 AND "status" = 'pending'`,
        [roomId, user.userId],
      )) as unknown[];
      return rows.length === 1;
    });
    const command: SagaCommand = {
      sagaId: randomUUID(),
      commandId: randomUUID(),
      sagaType: 'room',
      kind: step.name === SAGA_COMMANDS.activateRoom ? 'execute' : 'compensate',
      participant: 'chat-gateway',
      name: step.name,
      payload: {
        roomId,
        kind: 'membership',
        userIds: [user.userId],
        ...(step.inactiveUserIds === undefined ? {} : { inactiveUserIds: step.inactiveUserIds }),
      },
    };
    const handler = step.name === SAGA_COMMANDS.activateRoom ? activateRoom : cancelRoom;
    await chat.dataSource.transaction((manager) => handler(command, manager));
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
    expect(added.body).toMatchObject({ userId: user.userId, role: 'member' });
  });
});
