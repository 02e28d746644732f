import { eventually, eventuallyValue } from '@scale-chat/wait';
import { GatewayFixture, nextMatching, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

type Presence = { userId: string; online: boolean };

/**
 * An instance's presence rows follow the sockets it holds, whatever happened to them: each
 * heartbeat puts right a row its socket's disconnect failed to remove (the database away
 * at that moment) and a socket whose row another instance swept while this one lived.
 * Either way, the others hear the user as the user is.
 */
describe("presence rows kept to an instance's sockets (chat-gateway, real PostgreSQL and Kafka)", () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start({
      PRESENCE_HEARTBEAT_MS: '300',
      PRESENCE_TIMEOUT_MS: '3000',
    });
  });

  afterAll(async () => {
    await chat?.close();
  });

  const rowsOf = async (member: Member) =>
    (await chat.dataSource.query(
      `SELECT "socket_id" FROM "presence_sockets" WHERE "user_id" = $1`,
      [member.userId],
    )) as { socket_id: string }[];

  const presenceOf = (listener: Awaited<ReturnType<GatewayFixture['socket']>>, member: Member) =>
    nextMatching<Presence>(listener, 'presence', (event) => event.userId === member.userId);

  it('removes a row whose socket is gone, and the user goes offline', async () => {
    const [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    await chat.room([bob, ann]);
    const bobSocket = await chat.socket(bob);
    const offline = presenceOf(bobSocket, ann);
    // As a disconnect that failed leaves it: the row of a socket this instance no longer
    // holds, written long before.
    await chat.dataSource.query(
      `INSERT INTO "presence_sockets" ("socket_id", "user_id", "instance_id", "connected_at")
       VALUES ('gone-socket', $1, $2, now() - interval '1 hour')`,
      [ann.userId, chat.gateway.config.instanceId],
    );

    expect(await offline).toEqual({ userId: ann.userId, online: false });
    // Announced under the user's lock, before the removal commits: heard, then gone.
    await eventually('the row gone', async () => (await rowsOf(ann)).length === 0);
  });

  it('gives a socket it holds its row back, and the user is online again', async () => {
    const [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    await chat.room([bob, ann]);
    const bobSocket = await chat.socket(bob);
    const connected = presenceOf(bobSocket, ann);
    const annSocket = await chat.socket(ann);
    expect(await connected).toEqual({ userId: ann.userId, online: true });
    const online = presenceOf(bobSocket, ann);
    // As another instance's sweep leaves it, having taken this one for dead.
    await chat.dataSource.query(`DELETE FROM "presence_sockets" WHERE "socket_id" = $1`, [
      annSocket.id,
    ]);

    expect(await online).toEqual({ userId: ann.userId, online: true });
    const rows = await eventuallyValue(
      "Ann's row back",
      () => rowsOf(ann),
      (found) => found.length === 1,
    );
    expect(rows).toEqual([{ socket_id: annSocket.id }]);
  });
});
