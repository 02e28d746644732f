/**
 * One hot room: MEMBERS users of one room, split over two gateway instances, every one
 * sending with IN_FLIGHT sends outstanding for SECONDS, through the real stack (auth, the
 * orchestrator, two gateways, Kafka, PostgreSQL), per-user limits lifted. Beside it, in
 * the same run, the bound: an in-memory Socket.IO server in a process of its own
 * (bound-server.ts) that numbers, acknowledges and broadcasts each send, with the same
 * clients and load. Prints stored msg/s, ack and delivery latency, and CPU per message
 * for each process. Each server gets
 * a warm-up that is not reported, and each run is drained before the next (the load
 * generator of bench/chat/load.ts).
 *
 *   node tools/run.js bench chat/hot-room.ts      (Kafka and PostgreSQL must be up)
 *   MEMBERS=20 IN_FLIGHT=16 SECONDS=10 WARMUP_SECONDS=3 DRAIN_SECONDS=60
 */
import { randomUUID } from 'node:crypto';
import type { RoomView } from '@scale-chat/contracts';
import { integer, parseEnv } from '@scale-chat/platform';
import { api, newUser, startChatCluster, type ClusterProcess } from '@scale-chat/tools/cluster';
import { describeCpu } from '../cpu';
import { runBenchmark } from '../report';
import { LeanSocket } from './lean-socket';
import {
  boundServer,
  describeBatches,
  inFlight,
  latencyCells,
  LoadGenerator,
  type Sender,
} from './load';

const { MEMBERS, IN_FLIGHT, SECONDS, WARMUP_SECONDS, DRAIN_SECONDS } = parseEnv(process.env, {
  MEMBERS: integer({ min: 2, max: 1_000 }, { default: 20 }),
  IN_FLIGHT: integer({ min: 1, max: 1_000 }, { default: 16 }),
  SECONDS: integer({ min: 1, max: 600 }, { default: 10 }),
  WARMUP_SECONDS: integer({ min: 0, max: 600 }, { default: 3 }),
  DRAIN_SECONDS: integer({ min: 1, max: 3_600 }, { default: 60 }),
});

async function main(): Promise<void> {
  const memory = await boundServer();
  const cluster = await startChatCluster({
    env: {
      LOG_LEVEL: 'warn',
      MESSAGE_RATE_BURST: '10000',
      MESSAGE_RATE_PER_SECOND: '10000',
      SEND_REFUSALS_BEFORE_DISCONNECT: '1000000',
      HANDSHAKE_RATE_BURST: '100000',
      HANDSHAKE_RATE_PER_MINUTE: '600000',
      SIGNUP_WAIT_MS: '60000',
    },
  });
  const [gatewayA, gatewayB] = cluster.gateways as [ClusterProcess, ClusterProcess];
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    const tag = randomUUID().slice(0, 4);
    const users = await Promise.all(
      Array.from({ length: MEMBERS }, (_, index) =>
        newUser(cluster.auth.url, `hot${tag}_${index}`),
      ),
    );
    const [owner, ...others] = users;
    if (owner === undefined) throw new Error('no users');
    const room = await api<RoomView>(gatewayA.url, 'POST', '/api/rooms', {
      token: owner.token,
      body: { name: 'hot', memberIds: others.map((user) => user.userId) },
    });
    if (room.status !== 201) throw new Error(`room: ${room.status}`);
    const roomId = room.body.id;
    const stack: Sender[] = await Promise.all(
      users.map(async (user, index) => ({
        userId: user.userId,
        roomId,
        socket: await LeanSocket.connect((index % 2 === 0 ? gatewayA : gatewayB).url, {
          token: user.token,
        }),
      })),
    );
    const bound: Sender[] = await Promise.all(
      users.map(async (user) => ({
        userId: user.userId,
        roomId,
        socket: await LeanSocket.connect(memory.url, {
          token: user.token,
          userId: user.userId,
          roomId,
        }),
      })),
    );

    const generator = new LoadGenerator(
      [cluster.auth, cluster.orchestrator, gatewayA, gatewayB, memory],
      DRAIN_SECONDS * 1000,
      [gatewayA.url, gatewayB.url],
    );
    generator.listen([...stack, ...bound]);
    /** Every member with IN_FLIGHT sends of its own outstanding; delivery timed at every other. */
    const drive = async (label: string, senders: readonly Sender[]) => {
      const pick = (slot: number) => senders[slot % senders.length] as Sender;
      if (WARMUP_SECONDS > 0)
        await generator.run(
          'warm-up',
          MEMBERS,
          inFlight(MEMBERS * IN_FLIGHT, WARMUP_SECONDS, pick),
        );
      const result = await generator.run(
        label,
        MEMBERS,
        inFlight(MEMBERS * IN_FLIGHT, SECONDS, pick),
      );
      say(
        `| ${label} | ${result.storedPerSecond.toFixed(0)} | ${result.failed} / ${result.lostAcks} / ${result.lostDeliveries} | ` +
          `${result.deliveriesPerSecond.toFixed(0)} | ${latencyCells(result.acks)} | ${latencyCells(result.deliveries)} | ` +
          `${result.loopDelay.p99.toFixed(1)} |`,
      );
      return result;
    };

    say(`one room of ${MEMBERS} members, each with ${IN_FLIGHT} sends in flight for ${SECONDS} s`);
    say('');
    say(
      '| server | stored msg/s | failed / lost acks / lost deliveries | deliveries/s | ' +
        'ack p50 / p95 / p99 ms | delivery p50 / p95 / p99 ms | generator loop delay p99 ms |',
    );
    say('| --- | --- | --- | --- | --- | --- | --- |');
    const memoryRun = await drive('in-memory Socket.IO (bound)', bound);
    const stackRun = await drive('the stack, two gateways', stack);
    say('');
    say(
      `stack / bound: ${(stackRun.storedPerSecond / Math.max(1, memoryRun.storedPerSecond)).toFixed(2)} of the in-memory server's stored msg/s`,
    );
    say(`CPU per stored message, bound: ${describeCpu(memoryRun.cpu, memoryRun.stored)}`);
    say(`CPU per stored message, stack: ${describeCpu(stackRun.cpu, stackRun.stored)}`);
    say(`Batches, stack: ${describeBatches(stackRun.batches)}`);
    for (const client of [...stack, ...bound]) client.socket.disconnect();
  } finally {
    await memory.close();
    await cluster.stop();
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

runBenchmark(main);
