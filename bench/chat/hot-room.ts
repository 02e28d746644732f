/**
 * One hot room: MEMBERS users of one room, split over two gateway instances, every one
 * sending with IN_FLIGHT sends outstanding for SECONDS, through the real stack (auth, the
 * orchestrator, two gateways, Kafka, PostgreSQL), per-user limits lifted. Beside it, in
 * the same run, the bound: an in-memory Socket.IO server in this process that numbers,
 * acknowledges and broadcasts each send, with the same clients and load. Prints stored
 * msg/s, ack and delivery latency, and CPU per message for each process.
 *
 *   node tools/run.js bench chat/hot-room.ts      (Kafka and PostgreSQL must be up)
 *   MEMBERS=20 IN_FLIGHT=16 SECONDS=10
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageView, RoomView } from '@scale-chat/contracts';
import { integer, parseEnv } from '@scale-chat/platform';
import {
  api,
  newUser,
  socketOf,
  startChatCluster,
  type ClusterProcess,
} from '@scale-chat/tools/cluster';
import { Server } from 'socket.io';
import type { Socket } from 'socket.io-client';
import { measureCpu } from '../cpu';
import { percentile, runBenchmark } from '../report';

const { MEMBERS, IN_FLIGHT, SECONDS } = parseEnv(process.env, {
  MEMBERS: integer({ min: 2, max: 1_000 }, { default: 20 }),
  IN_FLIGHT: integer({ min: 1, max: 1_000 }, { default: 16 }),
  SECONDS: integer({ min: 1, max: 600 }, { default: 10 }),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ms = (sorted: readonly number[], p: number) => percentile(sorted, p).toFixed(1);

interface Sender {
  readonly userId: string;
  readonly socket: Socket;
}

/** Every member sends with IN_FLIGHT outstanding for SECONDS; delivery is timed to every other member. */
async function drive(senders: readonly Sender[], roomId: string, label: string) {
  const sentAt = new Map<string, number>();
  const acks: number[] = [];
  const deliveries: number[] = [];
  let failed = 0;
  for (const { socket, userId } of senders) {
    socket.removeAllListeners('message:new');
    socket.on('message:new', (message: MessageView) => {
      const at = sentAt.get(message.clientMsgId);
      if (at !== undefined && message.senderId !== userId) deliveries.push(performance.now() - at);
    });
  }
  let counter = 0;
  const startedAt = Date.now();
  const until = startedAt + SECONDS * 1000;
  await Promise.all(
    senders.flatMap(({ socket }) =>
      Array.from({ length: IN_FLIGHT }, async () => {
        while (Date.now() < until) {
          const clientMsgId = `${label}-${(counter += 1)}`;
          const at = performance.now();
          sentAt.set(clientMsgId, at);
          const ack = (await socket
            .timeout(30_000)
            .emitWithAck('message:send', { roomId, clientMsgId, body: `hot ${counter}` })
            .catch(() => ({ ok: false }))) as { ok: boolean };
          if (ack.ok) acks.push(performance.now() - at);
          else failed += 1;
        }
      }),
    ),
  );
  const elapsed = (Date.now() - startedAt) / 1000;
  await sleep(2_000); // the last deliveries land
  acks.sort((a, b) => a - b);
  deliveries.sort((a, b) => a - b);
  return {
    stored: acks.length,
    row:
      `| ${label} | ${(acks.length / elapsed).toFixed(0)} | ${failed} | ${(deliveries.length / elapsed).toFixed(0)} | ` +
      `${ms(acks, 50)} / ${ms(acks, 99)} | ${ms(deliveries, 50)} / ${ms(deliveries, 99)} |`,
  };
}

/** The bound: Socket.IO in memory, numbering, acknowledging and broadcasting each send. */
async function inMemoryServer() {
  const http = createServer();
  const io = new Server(http);
  let seq = 0;
  io.on('connection', (socket) => {
    void socket.join('hot');
    socket.on(
      'message:send',
      (
        payload: { roomId: string; clientMsgId: string; body: string },
        ack: (answer: object) => void,
      ) => {
        seq += 1;
        const message = {
          id: randomUUID(),
          roomId: payload.roomId,
          seq,
          senderId: String(socket.handshake.auth['userId']),
          body: payload.body,
          clientMsgId: payload.clientMsgId,
          createdAt: new Date().toISOString(),
        };
        io.to('hot').emit('message:new', message);
        ack({ ok: true, message });
      },
    );
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => io.close() };
}

async function main(): Promise<void> {
  const cluster = await startChatCluster({
    env: {
      LOG_LEVEL: 'warn',
      MESSAGE_RATE_BURST: '10000',
      MESSAGE_RATE_PER_SECOND: '10000',
      SEND_REFUSALS_BEFORE_DISCONNECT: '1000000',
      SIGNUP_WAIT_MS: '60000',
    },
  });
  const [gatewayA, gatewayB] = cluster.gateways as [ClusterProcess, ClusterProcess];
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  const memory = await inMemoryServer();
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
    const stack = await Promise.all(
      users.map(async (user, index) => ({
        userId: user.userId,
        socket: await socketOf((index % 2 === 0 ? gatewayA : gatewayB).url, user.token),
      })),
    );
    const bound = await Promise.all(
      users.map(async (user) => ({
        userId: user.userId,
        socket: await socketOf(memory.url, user.token, { auth: { userId: user.userId } }),
      })),
    );

    say(`one room of ${MEMBERS} members, each with ${IN_FLIGHT} sends in flight for ${SECONDS} s`);
    say('');
    say(
      '| server | stored msg/s | failed | deliveries/s | ack p50 / p99 ms | delivery p50 / p99 ms |',
    );
    say('| --- | --- | --- | --- | --- | --- |');
    const memoryRun = await drive(bound, room.body.id, 'in-memory Socket.IO (bound)');
    say(memoryRun.row);
    const cpu = measureCpu([cluster.auth, cluster.orchestrator, gatewayA, gatewayB]);
    const stackRun = await drive(stack, room.body.id, 'the stack, two gateways');
    say(stackRun.row);
    say('');
    say(
      `stack / bound: ${(stackRun.stored / Math.max(1, memoryRun.stored)).toFixed(2)} of the in-memory server's stored msg/s`,
    );
    say(`CPU per stored message: ${cpu(stackRun.stored)}`);
    for (const client of [...stack, ...bound]) client.socket.disconnect();
  } finally {
    await memory.close();
    await cluster.stop();
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

runBenchmark(main);
