/**
 * chat-gateway end to end: auth, the orchestrator and two gateways as real processes
 * (tools/src/cluster), clients over 200 rooms split across both instances, storage on.
 * Measures memory per 1,000 idle sockets, send-to-receive latency at fixed offered
 * rates, and the sustained rate of stored messages with a fixed number of sends in
 * flight. Prints a Markdown table for docs/benchmarks.md.
 *
 *   node tools/run.js bench chat/run.ts      (Kafka and PostgreSQL must be up)
 *   CLIENTS=2000 ROOMS=200 RATES=500,2000 SECONDS=10 IN_FLIGHT=200
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessTokenSigner, generateSigningKey } from '@scale-chat/access-tokens';
import type { MessageView, RoomView } from '@scale-chat/contracts';
import { api, socketOf, startChatCluster, type ClusterProcess } from '@scale-chat/tools/cluster';
import type { Socket } from 'socket.io-client';
import { integer, list, parseEnv } from '@scale-chat/platform';
import { measureCpu } from '../cpu';
import { percentile, runBenchmark } from '../report';

const { CLIENTS, ROOMS, RATES, SECONDS, IN_FLIGHT } = parseEnv(process.env, {
  CLIENTS: integer({ min: 2, max: 100_000 }, { default: 2_000 }),
  ROOMS: integer({ min: 1, max: 10_000 }, { default: 200 }),
  RATES: list(/^[1-9]\d{0,5}$/, 'messages per second', { default: ['500', '2000'] }),
  SECONDS: integer({ min: 1, max: 3_600 }, { default: 10 }),
  IN_FLIGHT: integer({ min: 1, max: 10_000 }, { default: 200 }),
});

interface Client {
  readonly userId: string;
  readonly roomId: string;
  readonly socket: Socket;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssKb(gateway: ClusterProcess): number {
  const status = readFileSync(`/proc/${gateway.pid()}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += size) {
    results.push(...(await Promise.all(items.slice(index, index + size).map(run))));
  }
  return results;
}

async function main(): Promise<void> {
  const key = generateSigningKey();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-chat-')), 'key.pem');
  writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
  const signer = AccessTokenSigner.forKey(key);
  const cluster = await startChatCluster({
    env: {
      AUTH_SIGNING_KEY_FILE: keyFile,
      LOG_LEVEL: 'warn',
      MESSAGE_RATE_BURST: '10000',
      MESSAGE_RATE_PER_SECOND: '10000',
      SOCKETS_PER_USER_MAX: '100',
      DATABASE_POOL_SIZE: '20',
    },
  });
  const [gatewayA, gatewayB] = cluster.gateways as [ClusterProcess, ClusterProcess];
  const members = [cluster.auth, cluster.orchestrator, gatewayA, gatewayB];
  const cpu: string[] = [];
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    // Users sign up through auth (argon2id each); their tokens are signed here with
    // auth's key, which is what a login would hand out.
    const tag = randomUUID().slice(0, 4);
    let started = Date.now();
    const users = await inBatches(
      Array.from({ length: CLIENTS }, (_, index) => `b${tag}_${index}`),
      16,
      async (username) => {
        const answer = await api<{ id: string }>(cluster.auth.url, 'POST', '/api/auth/signup', {
          body: { username, password: 'bench password 1' },
        });
        if (answer.status !== 201) throw new Error(`signup ${username}: ${answer.status}`);
        const token = await signer.sign({
          userId: answer.body.id,
          username,
          familyId: randomUUID(),
        });
        return { userId: answer.body.id, token };
      },
    );
    say(`setup: ${CLIENTS} signups in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    started = Date.now();
    const perRoom = Math.floor(CLIENTS / ROOMS);
    const rooms = await inBatches(
      Array.from({ length: ROOMS }, (_, index) =>
        users.slice(index * perRoom, (index + 1) * perRoom),
      ),
      8,
      async ([owner, ...members]) => {
        if (owner === undefined) throw new Error('a room without members');
        const answer = await api<RoomView>(gatewayA.url, 'POST', '/api/rooms', {
          token: owner.token,
          body: { name: 'bench', memberIds: members.map((member) => member.userId) },
        });
        if (answer.status !== 201) throw new Error(`room: ${answer.status}`);
        return answer.body;
      },
    );
    say(`setup: ${ROOMS} rooms of ${perRoom} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const before = [rssKb(gatewayA), rssKb(gatewayB)];
    const clients: Client[] = await inBatches(
      rooms.flatMap((room) => room.members.map((member) => ({ room, member }))),
      100,
      async ({ room, member }) => {
        const user = users.find((candidate) => candidate.userId === member.userId);
        if (user === undefined) throw new Error('unknown member');
        const index = users.indexOf(user);
        const socket = await socketOf(index % 2 === 0 ? gatewayA.url : gatewayB.url, user.token);
        return { userId: user.userId, roomId: room.id, socket };
      },
    );
    await sleep(5_000);
    const after = [rssKb(gatewayA), rssKb(gatewayB)];
    const perThousand = after.map(
      (kb, index) => ((kb - (before[index] ?? 0)) / 1024 / (clients.length / 2)) * 1000,
    );
    say(
      `idle: ${clients.length} sockets; gateway RSS ${before.map((kb) => Math.round(kb / 1024)).join('/')} MB → ` +
        `${after.map((kb) => Math.round(kb / 1024)).join('/')} MB; ` +
        `**${perThousand.map((mb) => mb.toFixed(1)).join(' / ')} MB per 1,000 idle sockets**`,
    );

    // Every delivery is timed from the moment its send was emitted.
    const sentAt = new Map<string, number>();
    let deliveries = 0;
    let latencies: number[] = [];
    for (const client of clients) {
      client.socket.on('message:new', (message: MessageView) => {
        const at = sentAt.get(message.clientMsgId);
        deliveries += 1;
        if (at !== undefined && message.senderId !== client.userId)
          latencies.push(performance.now() - at);
      });
    }
    let counter = 0;
    const send = async (): Promise<boolean> => {
      const client = clients[Math.floor(Math.random() * clients.length)];
      if (client === undefined) return false;
      const clientMsgId = `m${(counter += 1)}`;
      sentAt.set(clientMsgId, performance.now());
      const ack = (await client.socket
        .timeout(30_000)
        .emitWithAck('message:send', {
          roomId: client.roomId,
          clientMsgId,
          body: `bench message ${counter}`,
        })
        .catch(() => ({ ok: false }))) as { ok: boolean };
      return ack.ok;
    };
    const phase = async (name: string, run: () => Promise<{ acked: number; failed: number }>) => {
      latencies = [];
      deliveries = 0;
      const t0 = Date.now();
      const cpuUsed = measureCpu(members);
      const { acked, failed } = await run();
      const elapsed = (Date.now() - t0) / 1000;
      cpu.push(`${name}: ${cpuUsed()}`);
      await sleep(2_000); // the last deliveries land
      const sorted = [...latencies].sort((a, b) => a - b);
      say(
        `| ${name} | ${(acked / elapsed).toFixed(0)} | ${failed} | ${(deliveries / elapsed).toFixed(0)} | ` +
          `${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 95).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} |`,
      );
    };
    say('');
    say('| load | stored msg/s (acks) | failed | deliveries/s | p50 ms | p95 ms | p99 ms |');
    say('| --- | --- | --- | --- | --- | --- | --- |');
    for (const rate of RATES.map(Number)) {
      await phase(`offered ${rate} msg/s`, async () => {
        const pending: Promise<boolean>[] = [];
        const t0 = performance.now();
        const total = rate * SECONDS;
        for (let n = 0; n < total; n += 1) {
          const due = t0 + (n * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 1) await sleep(wait);
          pending.push(send());
        }
        const outcomes = await Promise.all(pending);
        return {
          acked: outcomes.filter(Boolean).length,
          failed: outcomes.filter((ok) => !ok).length,
        };
      });
    }
    await phase(`${IN_FLIGHT} sends in flight`, async () => {
      let acked = 0;
      let failed = 0;
      const until = Date.now() + SECONDS * 1000;
      await Promise.all(
        Array.from({ length: IN_FLIGHT }, async () => {
          while (Date.now() < until) {
            if (await send()) acked += 1;
            else failed += 1;
          }
        }),
      );
      return { acked, failed };
    });
    say('');
    say('CPU while loaded (100% = one of the two cores):');
    for (const line of cpu) say(`- ${line}`);
    for (const client of clients) client.socket.disconnect();
  } finally {
    await cluster.stop();
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

runBenchmark(main);
