/**
 * chat-gateway end to end: auth, the orchestrator and two gateways as real processes
 * (tools/src/cluster), clients over ROOMS rooms split across both instances, storage on.
 * Measures memory per 1,000 idle sockets once the gateways' RSS has settled; then, after
 * a warm-up that is not reported and with each phase drained before the next:
 * - the bound: the same clients and rooms on an in-memory Socket.IO server in a process
 *   of its own (bound-server.ts), with each of IN_FLIGHT sends in flight;
 * - the stack with each of IN_FLIGHT sends in flight, each one's deliveries/s as a share
 *   of the bound's with as many in flight; the most it stored is our maximum (a closed
 *   loop's rate is its window over its latency, so a window too small for a server's
 *   latency measures the window, and one window would favour the quicker server);
 * - the stack offered half of that maximum, then each of RATES (open loop: latency from
 *   the time each send was due).
 * Ack (stored) and delivery (at another member) latency are reported apart, with CPU ms
 * per stored message for each process and this generator's event-loop delay. Prints a
 * Markdown table for docs/benchmarks.md.
 *
 *   node tools/run.js bench chat/run.ts      (Kafka and PostgreSQL must be up)
 *   CLIENTS=2000 ROOMS=200 RATES=500,2000 SECONDS=10 IN_FLIGHT=200,400 WARMUP_SECONDS=5
 *   DRAIN_SECONDS=60
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessTokenSigner, generateSigningKey } from '@scale-chat/access-tokens';
import type { RoomView } from '@scale-chat/contracts';
import { integer, list, parseEnv } from '@scale-chat/platform';
import {
  api,
  scrapeMetrics,
  startChatCluster,
  sumOf,
  type ClusterProcess,
} from '@scale-chat/tools/cluster';
import { describeCpu } from '../cpu';
import { runBenchmark } from '../report';
import { LeanSocket } from './lean-socket';
import {
  boundServer,
  describeBatches,
  inFlight,
  latencyCells,
  LoadGenerator,
  offered,
  type PhaseResult,
  type Sender,
} from './load';

const { CLIENTS, ROOMS, RATES, SECONDS, IN_FLIGHT, WARMUP_SECONDS, DRAIN_SECONDS } = parseEnv(
  process.env,
  {
    CLIENTS: integer({ min: 2, max: 100_000 }, { default: 2_000 }),
    ROOMS: integer({ min: 1, max: 10_000 }, { default: 200 }),
    RATES: list(/^[1-9]\d{0,5}$/, 'messages per second', { default: ['500', '2000'] }),
    SECONDS: integer({ min: 1, max: 3_600 }, { default: 10 }),
    IN_FLIGHT: list(/^[1-9]\d{0,3}$/, 'sends in flight (1 to 9999)', { default: ['200', '400'] }),
    WARMUP_SECONDS: integer({ min: 0, max: 600 }, { default: 5 }),
    DRAIN_SECONDS: integer({ min: 1, max: 3_600 }, { default: 60 }),
  },
);

interface User {
  readonly userId: string;
  readonly token: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rssKb(gateway: ClusterProcess): number {
  const status = readFileSync(`/proc/${gateway.pid()}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

interface MemoryReading {
  readonly kb: number;
  /** What V8's young generation took of it: its size follows allocation, not sockets. */
  readonly youngKb: number;
  readonly settled: boolean;
}

/**
 * A gateway's RSS once two readings a second apart are within 1% of each other (the
 * sockets' buffers and the heap have stopped growing), or the last reading after 30 s;
 * with the size of V8's young generation then, from the gateway's metrics.
 */
async function settledMemory(gateway: ClusterProcess): Promise<MemoryReading> {
  const deadline = Date.now() + 30_000;
  let previous = rssKb(gateway);
  for (;;) {
    await sleep(1_000);
    const kb = rssKb(gateway);
    const settled = Math.abs(kb - previous) <= previous * 0.01;
    if (settled || Date.now() > deadline) {
      const samples = await scrapeMetrics(gateway.url);
      const youngBytes =
        sumOf(samples, 'nodejs_heap_space_size_total_bytes', { space: 'new' }) +
        sumOf(samples, 'nodejs_heap_space_size_total_bytes', { space: 'new_large_object' });
      return { kb, youngKb: youngBytes / 1024, settled };
    }
    previous = kb;
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>) {
  const results: R[] = [];
  for (let index = 0; index < items.length; index += size) {
    results.push(...(await Promise.all(items.slice(index, index + size).map(run))));
  }
  return results;
}

/**
 * The clients in sending order: member 0 of every room, then member 1 of every room, …
 * so consecutive sends go to different rooms (and, with the split below, alternate
 * between the gateways) without a random pick per send.
 */
function interleaved<T>(rooms: readonly (readonly T[])[]): T[] {
  const longest = Math.max(...rooms.map((members) => members.length));
  return Array.from({ length: longest }, (_, member) =>
    rooms.flatMap((members) => (member < members.length ? [members[member] as T] : [])),
  ).flat();
}

/** Round robin over `senders`. */
function roundRobin(senders: readonly Sender[]): () => Sender {
  let next = 0;
  return () => {
    const sender = senders[next] as Sender;
    next = next + 1 === senders.length ? 0 : next + 1;
    return sender;
  };
}

const fixed = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits }) : '—';

/**
 * Each part's CPU ms per stored message: gateways (each), PostgreSQL, Kafka, generator;
 * for the bound, its server in the gateways' place.
 */
function cpuCell({ cpu, stored }: PhaseResult, services: boolean): string {
  const each = (part: string) =>
    (((cpu.parts[part]?.seconds ?? Number.NaN) * 1000) / Math.max(1, stored)).toFixed(2);
  const generator = each('load generator');
  if (!services) return `${each('bound server')}, —, —, ${generator}`;
  return `${each('chat-gateway-1')} + ${each('chat-gateway-2')}, ${each('postgresql')}, ${each('kafka')}, ${generator}`;
}

/** Deliveries/s as a share of the bound's. */
const ratio = (result: PhaseResult, bound: PhaseResult) =>
  result.deliveriesPerSecond / bound.deliveriesPerSecond;

function row(result: PhaseResult, bound?: PhaseResult, services = true): string {
  const lost = `${result.failed} / ${result.lostAcks} / ${result.lostDeliveries}`;
  const cells = [
    result.label,
    fixed(result.storedPerSecond),
    fixed(result.deliveriesPerSecond),
    bound === undefined ? '' : fixed(bound.deliveriesPerSecond),
    bound === undefined ? '' : `**${ratio(result, bound).toFixed(2)}**`,
    latencyCells(result.acks),
    latencyCells(result.deliveries),
    lost,
    cpuCell(result, services),
    result.loopDelay.p99.toFixed(1),
  ];
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const key = generateSigningKey();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'bench-chat-')), 'key.pem');
  writeFileSync(keyFile, key.privateKeyPem, { mode: 0o600 });
  const signer = AccessTokenSigner.forKey(key);
  const memory = await boundServer();
  const cluster = await startChatCluster({
    env: {
      AUTH_SIGNING_KEY_FILE: keyFile,
      LOG_LEVEL: 'warn',
      MESSAGE_RATE_BURST: '10000',
      MESSAGE_RATE_PER_SECOND: '10000',
      SEND_REFUSALS_BEFORE_DISCONNECT: '1000000',
      HANDSHAKE_RATE_BURST: '100000',
      HANDSHAKE_RATE_PER_MINUTE: '600000',
      SOCKETS_PER_USER_MAX: '100',
      DATABASE_POOL_SIZE: '20',
    },
  });
  const [gatewayA, gatewayB] = cluster.gateways as [ClusterProcess, ClusterProcess];
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
    const users: User[] = await inBatches(
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
    const roomsOfUsers = Array.from({ length: ROOMS }, (_, index) =>
      users.slice(index * perRoom, (index + 1) * perRoom),
    );
    const rooms = await inBatches(roomsOfUsers, 8, async ([owner, ...members]) => {
      if (owner === undefined) throw new Error('a room without members');
      const answer = await api<RoomView>(gatewayA.url, 'POST', '/api/rooms', {
        token: owner.token,
        body: { name: 'bench', memberIds: members.map((member) => member.userId) },
      });
      if (answer.status !== 201) throw new Error(`room: ${answer.status}`);
      return answer.body;
    });
    say(`setup: ${ROOMS} rooms of ${perRoom} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Room r's member m on gateway (r + m) % 2: half of each room on each instance, and
    // the interleaved sending order alternates between them.
    const seats = roomsOfUsers.map((members, room) =>
      members.map((user, member) => ({
        user,
        roomId: (rooms[room] as RoomView).id,
        gateway: (room + member) % 2,
      })),
    );
    const gateways = [gatewayA, gatewayB];

    const before = await Promise.all([settledMemory(gatewayA), settledMemory(gatewayB)]);
    const connecting = Date.now();
    const stack: Sender[][] = await inBatches(seats, 10, (members) =>
      Promise.all(
        members.map(async ({ user, roomId, gateway }) => ({
          userId: user.userId,
          roomId,
          socket: await LeanSocket.connect((gateways[gateway] as ClusterProcess).url, {
            token: user.token,
          }),
        })),
      ),
    );
    const sockets = stack.flat().length;
    say(
      `admission: ${sockets} sockets connected, 10 at a time, in ${((Date.now() - connecting) / 1000).toFixed(1)} s`,
    );
    const after = await Promise.all([settledMemory(gatewayA), settledMemory(gatewayB)]);
    // Per 1,000 sockets, from the growth of the RSS less the growth of the young
    // generation: how much of it the young generation holds depends on when V8 last
    // scavenged and how far it has grown it (up to SERVICE_NODE_FLAGS' semi-space), not
    // on the sockets, whose memory outlives a scavenge.
    const perThousand = (withYoungGrowth: boolean) =>
      after.map(({ kb, youngKb }, index) => {
        const on = seats.flat().filter(({ gateway }) => gateway === index).length;
        const first = before[index] ?? { kb: 0, youngKb: 0 };
        const grown = kb - first.kb - (withYoungGrowth ? 0 : youngKb - first.youngKb);
        return ((grown / 1024 / on) * 1000).toFixed(1);
      });
    const mb = (readings: readonly MemoryReading[], field: 'kb' | 'youngKb') =>
      readings.map((reading) => Math.round(reading[field] / 1024)).join('/');
    say(
      `idle: ${sockets} sockets; gateway RSS ${mb(before, 'kb')} MB → ${mb(after, 'kb')} MB, ` +
        `young generation ${mb(before, 'youngKb')} MB → ${mb(after, 'youngKb')} MB` +
        `${[...before, ...after].every((reading) => reading.settled) ? '' : ' (not settled after 30 s)'}; ` +
        `**${perThousand(false).join(' / ')} MB per 1,000 idle sockets** ` +
        `(${perThousand(true).join(' / ')} with the young generation's growth)`,
    );

    const generator = new LoadGenerator(
      [cluster.auth, cluster.orchestrator, gatewayA, gatewayB, memory],
      DRAIN_SECONDS * 1000,
      [gatewayA.url, gatewayB.url],
    );
    const windows = IN_FLIGHT.map(Number);
    /** A closed-loop phase at each window, each after its warm-up. */
    const atEachWindow = async (label: (slots: number) => string, pick: () => Sender) => {
      const results: PhaseResult[] = [];
      for (const slots of windows) {
        if (WARMUP_SECONDS > 0)
          await generator.run('warm-up', perRoom, inFlight(slots, WARMUP_SECONDS, pick));
        results.push(await generator.run(label(slots), perRoom, inFlight(slots, SECONDS, pick)));
      }
      return results;
    };

    // The bound first, its clients gone before the stack is measured.
    const boundClients: Sender[][] = await inBatches(seats, 10, (members) =>
      Promise.all(
        members.map(async ({ user, roomId }) => ({
          userId: user.userId,
          roomId,
          socket: await LeanSocket.connect(memory.url, {
            token: user.token,
            userId: user.userId,
            roomId,
          }),
        })),
      ),
    );
    generator.listen(boundClients.flat());
    const boundPick = roundRobin(interleaved(boundClients));
    const bounds = await atEachWindow((slots) => `in-memory bound, ${slots} in flight`, boundPick);
    for (const client of boundClients.flat()) client.socket.disconnect();

    generator.listen(stack.flat());
    const pick = roundRobin(interleaved(stack));
    const closedLoops = await atEachWindow((slots) => `${slots} sends in flight`, pick);
    const max = closedLoops.reduce((best, result) =>
      result.storedPerSecond > best.storedPerSecond ? result : best,
    );
    const openLoops: PhaseResult[] = [];
    const half = Math.max(1, Math.round(max.storedPerSecond / 2));
    for (const [label, rate] of [
      [`offered ${half} msg/s (half our max)`, half] as const,
      ...RATES.map((rate) => [`offered ${rate} msg/s`, Number(rate)] as const),
    ]) {
      openLoops.push(await generator.run(label, perRoom, offered(rate, SECONDS, pick)));
    }
    const [halfMax] = openLoops as [PhaseResult];
    const ratios = closedLoops.map((result, index) => ratio(result, bounds[index] as PhaseResult));

    say('');
    say(
      `${CLIENTS} clients, ${ROOMS} rooms of ${perRoom}, two gateways; ${SECONDS} s a phase after ` +
        `a ${WARMUP_SECONDS} s warm-up; ${new Date().toISOString().slice(0, 10)}`,
    );
    say('');
    say(
      '| load | stored msg/s | deliveries/s | bound deliveries/s | ratio | ack p50 / p95 / p99 ms | ' +
        'delivery p50 / p95 / p99 ms | failed / lost acks / lost deliveries | ' +
        'CPU ms per message: gateways, PostgreSQL, Kafka, generator | generator loop delay p99 ms |',
    );
    say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const bound of bounds) say(row(bound, undefined, false));
    for (const [index, result] of closedLoops.entries()) say(row(result, bounds[index]));
    for (const result of openLoops) say(row(result));
    const p99 = (sorted: Float64Array) => latencyCells(sorted, [99]);
    const ratioText = ratios
      .map((ratio, index) => `${ratio.toFixed(2)} with ${windows[index]} in flight`)
      .join(', ');
    say('');
    say(
      `Against issue 16: deliveries/s ${ratioText} of the bound's with as many in flight ` +
        `(target ≥ 0.5); our maximum ${fixed(max.storedPerSecond)} stored msg/s (${max.label}); ` +
        `at half of it delivery p99 ${p99(halfMax.deliveries)} ms (target ≤ 50), ` +
        `ack p99 ${p99(halfMax.acks)} ms (target ≤ 30).`,
    );
    say('');
    say(
      'CPU while loaded (100% = one of the two cores), the generator’s event-loop delay, and how full the gateways’ batches were:',
    );
    for (const result of [...bounds, ...closedLoops, ...openLoops]) {
      const { p50, p99, max } = result.loopDelay;
      say(
        `- ${result.label}: ${describeCpu(result.cpu, result.stored)}; loop delay p50/p99/max ` +
          `${p50.toFixed(1)}/${p99.toFixed(1)}/${max.toFixed(1)} ms; batches: ` +
          describeBatches(result.batches),
      );
    }
    say('');
    say(
      'The bound’s server runs in a process of its own (its CPU in the gateways’ place). ' +
        'Latency of the offered rows is from the time each send was due.',
    );
    for (const client of stack.flat()) client.socket.disconnect();
  } finally {
    await memory.close();
    await cluster.stop();
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

runBenchmark(main);
