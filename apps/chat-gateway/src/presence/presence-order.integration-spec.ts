import { eventually, eventuallyValue } from '@scale-chat/wait';
import type { Server } from 'socket.io';
import { LiveRooms } from '../realtime/live-rooms';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

type Presence = { userId: string; online: boolean };

/** Broadcasts to a room nobody is in, this large, this many: megabytes for Kafka to take. */
const BACKLOG_RECORD_BYTES = 500_000;
const BACKLOG_RECORDS = 40;

/**
 * A user who leaves one instance and connects to another at once is offline there, then
 * online here, under the user's lock; the others must hear it in that order, though the
 * first instance's broadcasts reach Kafka later than the second's would (a backlog of its
 * own to publish ahead of the offline).
 */
describe('presence across instances, in the order it changed (chat-gateway, real PostgreSQL and Kafka)', () => {
  let chat: GatewayFixture;
  let otherUrl: string;

  beforeAll(async () => {
    // Room for a busy machine to publish the backlog below; one produce request is the
    // usual wait.
    chat = await GatewayFixture.start({ PRESENCE_ORDER_WAIT_MS: '10000' });
    otherUrl = (await chat.twin({ PRESENCE_ORDER_WAIT_MS: '10000' })).url;
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('says offline from the instance left before online from the one joined', async () => {
    const [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    await chat.room([bob, ann]);
    const bobSocket = await chat.socket(bob, otherUrl);
    const heard: Presence[] = [];
    bobSocket.on('presence', (event: Presence) => {
      if (event.userId === ann.userId) heard.push(event);
    });
    const annOnFirst = await chat.socket(ann);
    await eventually('Bob hears Ann online', () => heard.length === 1);

    // The first instance has megabytes to publish when Ann's socket leaves it.
    const server = (chat.gateway.app.get(LiveRooms) as unknown as { server: Server }).server;
    const backlog = 'x'.repeat(BACKLOG_RECORD_BYTES);
    for (let n = 0; n < BACKLOG_RECORDS; n += 1) server.to('nobody').emit('backlog', backlog);
    annOnFirst.disconnect();
    await eventually(
      "Ann's socket on the first instance gone",
      async () =>
        (
          (await chat.dataSource.query(`SELECT 1 FROM "presence_sockets" WHERE "user_id" = $1`, [
            ann.userId,
          ])) as unknown[]
        ).length === 0,
    );
    await chat.socket(ann, otherUrl);

    const changes = await eventuallyValue(
      'Bob hears Ann offline and online again',
      () => heard.slice(1),
      (events) => events.length === 2,
    );
    expect(changes).toEqual([
      { userId: ann.userId, online: false },
      { userId: ann.userId, online: true },
    ]);
  });
});
