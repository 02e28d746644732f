import { GatewayFixture, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

const LIMIT = 2;

/**
 * Anyone may put anyone in a room (API.md). A user in `ROOMS_PER_USER_MAX` rooms is put
 * in no more, whichever way: found by a security review, as a user could be added to
 * rooms by the thousand, each listed by `GET /api/rooms` and joined at every connect.
 */
describe('the rooms one user may be in', () => {
  let chat: GatewayFixture;
  let ann: Member;
  let dan: Member;
  let annsRoom: string;

  const user = (): Promise<Member> => chat.knownMember();

  /** Every membership row of `member`, pending ones included. */
  const membershipsOf = async (member: Member) =>
    (
      (await chat.dataSource.query(`SELECT "room_id" FROM "room_members" WHERE "user_id" = $1`, [
        member.userId,
      ])) as unknown[]
    ).length;

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      ROOMS_PER_USER_MAX: String(LIMIT),
      ROOM_SAGA_WAIT_MS: '300',
    });
    [ann, dan] = await Promise.all([user(), user()]);
    annsRoom = await chat.room([ann]);
    // Dan is in as many rooms as one may be.
    for (let room = 0; room < LIMIT; room += 1) await chat.room([await user(), dan]);
  });

  afterAll(async () => {
    await chat?.close();
  });

  const refusal = {
    statusCode: 409,
    error: 'Conflict',
    message: `These users are in the most rooms one may be in (${LIMIT}): ${'<dan>'}`,
  };
  const refusalFor = (member: Member) => ({
    ...refusal,
    message: refusal.message.replace('<dan>', member.userId),
  });

  it('refuses adding the user to one more room, storing nothing', async () => {
    const answer = await chat.call('POST', `/api/rooms/${annsRoom}/members`, ann, {
      userId: dan.userId,
    });
    expect(answer).toEqual({ status: 409, body: refusalFor(dan) });
    expect(await membershipsOf(dan)).toBe(LIMIT);
  });

  it('refuses a new room with the user in it, and a direct room with it, storing nothing', async () => {
    const rooms = async () =>
      (
        (await chat.dataSource.query(`SELECT "id" FROM "rooms" WHERE "owner_id" = $1`, [
          ann.userId,
        ])) as unknown[]
      ).length;
    const before = await rooms();
    const created = await chat.call('POST', '/api/rooms', ann, {
      name: 'one too many',
      memberIds: [dan.userId],
    });
    expect(created).toEqual({ status: 409, body: refusalFor(dan) });
    const direct = await chat.call('POST', '/api/rooms/direct', ann, { userId: dan.userId });
    expect(direct).toEqual({ status: 409, body: refusalFor(dan) });
    expect(await rooms()).toBe(before);
    expect(await membershipsOf(dan)).toBe(LIMIT);
  });

  it('never refuses the caller its own room: others filling its rooms cannot lock it out', async () => {
    // Past its limit, dan still creates a room and opens a direct one (no saga runs here:
    // each waits ROOM_SAGA_WAIT_MS and answers 503, its rows pending).
    const created = await chat.call('POST', '/api/rooms', dan, { name: 'mine' });
    expect(created.status).toBe(503);
    const direct = await chat.call('POST', '/api/rooms/direct', dan, { userId: ann.userId });
    expect(direct.status).toBe(503);
    expect(await membershipsOf(dan)).toBe(LIMIT + 2);
  });
});
