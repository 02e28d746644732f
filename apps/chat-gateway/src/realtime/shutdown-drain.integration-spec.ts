import { connect as tcpConnect } from 'node:net';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import { eventually } from '@scale-chat/wait';
import { GatewayFixture, type Member } from '../testing/gateway-fixture';

jest.setTimeout(60_000);

/** Whether nothing listens on `port` of 127.0.0.1 any more. */
const refusesConnections = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = tcpConnect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });

/**
 * SIGTERM to a gateway instance, as a deploy or a scale-in sends it (docs/deployment.md):
 * it stops taking new connections and events before anything else, answers what it had
 * in flight, and lets go of its sockets with nothing of it left counted online.
 */
describe('a gateway instance shutting down (chat-gateway, real PostgreSQL and Kafka)', () => {
  let chat: GatewayFixture;

  beforeAll(async () => {
    chat = await GatewayFixture.start();
  });

  afterAll(async () => {
    await chat?.close();
  });

  it('stops listening first, answers the send in flight and what comes meanwhile, and leaves no presence behind', async () => {
    const [ann, bob] = (await Promise.all([chat.member(), chat.member()])) as [Member, Member];
    const roomId = await chat.room([ann, bob]);
    // A shutdown limit a loaded machine stays well within: the drain may take half of it.
    const leaving = await chat.twin({ SHUTDOWN_TIMEOUT_MS: '60000' });
    const annThere = await chat.socket(ann, leaving.url);
    let closed = Promise.resolve();

    // The send waits for the room's lock, held by the test, while the instance begins to
    // shut down; the lock is let go only once the instance has stopped listening.
    const { answer } = await chat.holdingRoom(roomId, async (queued) => {
      const answer = annThere
        .timeout(30_000)
        .emitWithAck('message:send', { roomId, clientMsgId: 'in-flight', body: 'as it stops' });
      await queued(1, '%store_sends%');
      closed = chat.closeTwin(leaving);
      await eventually('the leaving instance stopped listening', () =>
        refusesConnections(Number(new URL(leaving.url).port)),
      );
      // An event sent while it drains is answered, not dropped.
      expect(
        await annThere.timeout(30_000).emitWithAck('typing', { roomId, typing: true }),
      ).toEqual({ ok: true });
      // In an object: a promise returned as it is would be waited for under the lock.
      return { answer: answer as Promise<SocketAck<{ message: MessageView }>> };
    });

    expect(await answer).toMatchObject({ ok: true, message: { body: 'as it stops', seq: 1 } });
    await closed;
    const rows = (await chat.dataSource.query(
      `SELECT "socket_id" FROM "presence_sockets" WHERE "instance_id" = $1`,
      [leaving.config.instanceId],
    )) as unknown[];
    expect(rows).toEqual([]);
  });
});
