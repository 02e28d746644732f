/**
 * Socket.IO adapters side by side, on this machine, in one run: the in-memory adapter
 * (one server: the upper bound), @socket.io/redis-adapter, @socket.io/redis-streams-adapter
 * (both on Debian's redis-server) and ours on Kafka (two servers each). Messages are
 * emitted on one server and received by clients of the other. Every server (and the
 * kafkajs floor) runs with the Node flags of our services (`SERVICE_NODE_FLAGS`), as a
 * chat gateway runs the adapter. Prints a Markdown table.
 *
 *   node tools/run.js bench adapter/run.ts      (Kafka must be up: npm run infra:up)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { isPortOpen, SERVICE_NODE_FLAGS } from '@scale-chat/tools/infra';
import { eventually } from '@scale-chat/wait';
import { io as connect, type Socket } from 'socket.io-client';
import { forkTypeScript, nextMessage } from '../child-process';
import { percentile } from '../report';
import { ADAPTER_KINDS, type AdapterKind } from './adapters';
import type { FloorCommand, FloorReport } from './kafka-floor';
import { nowMs, type EmitCommand, type ServerReport } from './protocol';

const FLOOR = join(__dirname, 'kafka-floor.ts');
const REDIS_PORT = 6390;
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;
const BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const KINDS = (process.env['ADAPTERS']?.split(',') ?? [...ADAPTER_KINDS]) as AdapterKind[];
const RECOVERY_CYCLES = 50;

interface BenchServer {
  readonly url: string;
  emit(command: EmitCommand): Promise<number>;
  stop(): void;
}

async function startServer(kind: AdapterKind, topic: string): Promise<BenchServer> {
  const child = forkTypeScript(
    join(__dirname, 'server.ts'),
    [kind, REDIS_URL, BROKERS, topic],
    SERVICE_NODE_FLAGS,
  );
  const port = await nextMessage(child, (report: ServerReport) =>
    report.type === 'ready' ? report.port : undefined,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    emit: (command) => {
      const emitted = nextMessage(child, (report: ServerReport) =>
        report.type === 'emitted' ? report.elapsedMs : undefined,
      );
      child.send(command);
      return emitted;
    },
    stop: () => child.kill('SIGKILL'),
  };
}

async function connectClients(url: string, rooms: string[], perRoom: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  const wanted = rooms.flatMap((room) => Array.from({ length: perRoom }, () => room));
  for (let index = 0; index < wanted.length; index += 200) {
    const batch = wanted.slice(index, index + 200).map(
      (room) =>
        new Promise<Socket>((done, fail) => {
          const socket = connect(url, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
            auth: { rooms: [room] },
          });
          socket.once('connect', () => done(socket));
          socket.once('connect_error', fail);
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}

/** Deliveries that stopped coming for this long are taken as lost (an adapter that drops). */
const STALLED_MS = 5_000;

/**
 * Resolves once `count()` reaches `expected`, or once it has not grown for `STALLED_MS`
 * (the rest is lost; waiting out the whole `maxMs` made a lossy adapter's run take
 * minutes), or after `maxMs` in all.
 */
async function untilReceived(count: () => number, expected: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let seen = count();
  let grewAt = Date.now();
  while (count() < expected && Date.now() < deadline && Date.now() - grewAt < STALLED_MS) {
    await new Promise((done) => setTimeout(done, 20));
    if (count() > seen) {
      seen = count();
      grewAt = Date.now();
    }
  }
}

/** Deliveries per second: every delivery, from the first send to the last receipt. */
async function throughput(
  emitter: BenchServer,
  receiver: BenchServer,
  rooms: number,
  perRoom: number,
  messages: number,
) {
  const names = Array.from({ length: rooms }, (_, index) => `t${index}`);
  const clients = await connectClients(receiver.url, names, perRoom);
  const expected = messages * perRoom;
  let received = 0;
  let last = 0;
  for (const client of clients)
    client.on('m', () => {
      received += 1;
      last = nowMs();
    });
  await new Promise((done) => setTimeout(done, 500));
  const started = nowMs();
  await emitter.emit({ rooms: names, count: messages, rate: 0 });
  await untilReceived(() => received, expected, 120_000);
  for (const client of clients) client.disconnect();
  return {
    deliveriesPerSecond: (received / (last - started)) * 1000,
    complete: received === expected,
    messagesPerSecond: (messages / (last - started)) * 1000,
  };
}

/**
 * Emit-to-receive latency on the other instance at `rate` msg/s for `seconds`, after as
 * long a run at the same rate that is not counted: each adapter's path (and Kafka's
 * broker) takes a few seconds to settle from the bulk sends before to a steady stream.
 */
async function latency(emitter: BenchServer, receiver: BenchServer, rate: number, seconds: number) {
  const clients = await connectClients(receiver.url, ['lat'], 10);
  let samples: number[] = [];
  for (const client of clients) client.on('m', (sentAt: number) => samples.push(nowMs() - sentAt));
  await new Promise((done) => setTimeout(done, 500));
  const count = Math.round(rate * seconds);
  const run = async () => {
    samples = [];
    await emitter.emit({ rooms: ['lat'], count, rate });
    await untilReceived(() => samples.length, count * clients.length, 30_000);
    return { ...percentiles(samples), lost: count * clients.length - samples.length };
  };
  await run();
  const measured = await run();
  for (const client of clients) client.disconnect();
  return measured;
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

/** A client drops from one server and comes back on the other while messages flow. */
async function recovery(servers: BenchServer[], cycles: number): Promise<number> {
  const [first] = servers;
  if (first === undefined) throw new Error('no server');
  const client = connect(first.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 20,
    reconnectionDelayMax: 20,
    randomizationFactor: 0,
    auth: { rooms: ['rec'] },
  });
  await new Promise<void>((done) => client.once('connect', () => done()));
  let received = 0;
  client.on('m', () => (received += 1));
  await first.emit({ rooms: ['rec'], count: 1, rate: 0 });
  while (received < 1) await new Promise((done) => setTimeout(done, 5));
  const manager = client.io as unknown as { uri: string; engine: { close(): void } };
  let recovered = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    const next = servers[(cycle + 1) % servers.length] ?? first;
    manager.uri = next.url;
    const gone = new Promise((done) => client.once('disconnect', done));
    manager.engine.close();
    await gone;
    const before = received;
    await first.emit({ rooms: ['rec'], count: 2, rate: 0 });
    await new Promise<void>((done) => client.once('connect', () => done()));
    const deadline = Date.now() + 2_000;
    while (received < before + 2 && Date.now() < deadline)
      await new Promise((done) => setTimeout(done, 5));
    if (client.recovered && received >= before + 2) recovered += 1;
  }
  client.disconnect();
  return (100 * recovered) / cycles;
}

/**
 * kafkajs alone, produce to fetch across two processes at `rate` msg/s: the latency no
 * adapter on kafkajs and this broker can beat. A first run of the same length warms
 * both processes and the broker up, as the throughput phases do for the adapters.
 */
async function kafkaFloor(rate: number, seconds: number) {
  const topic = `bench.floor-${randomUUID().slice(0, 8)}`;
  const consumer = forkTypeScript(FLOOR, ['consume', BROKERS, topic], SERVICE_NODE_FLAGS);
  const children = [consumer];
  try {
    // The consumer creates the topic; the producer starts once it is there.
    await nextMessage(consumer, (report: FloorReport) =>
      report.type === 'subscribed' ? true : undefined,
    );
    const producer = forkTypeScript(FLOOR, ['produce', BROKERS, topic], SERVICE_NODE_FLAGS);
    children.push(producer);
    await nextMessage(consumer, (report: FloorReport) =>
      report.type === 'ready' ? true : undefined,
    );
    const run = async () => {
      const emitted = nextMessage(producer, (report: FloorReport) =>
        report.type === 'emitted' ? true : undefined,
      );
      producer.send({ type: 'emit', count: rate * seconds, rate } satisfies FloorCommand);
      await emitted;
      const deadline = Date.now() + 30_000;
      const samples: number[] = [];
      for (;;) {
        const report = nextMessage(consumer, (message: FloorReport) =>
          message.type === 'latencies' ? message.samples : undefined,
        );
        consumer.send({ type: 'report' } satisfies FloorCommand);
        samples.push(...(await report));
        if (samples.length >= rate * seconds || Date.now() > deadline)
          return { ...percentiles(samples), lost: rate * seconds - samples.length };
        await new Promise((done) => setTimeout(done, 20));
      }
    };
    await run();
    return await run();
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

async function measure(kind: AdapterKind) {
  const topic = `bench.socketio-${randomUUID().slice(0, 8)}`;
  const servers =
    kind === 'in-memory'
      ? [await startServer(kind, topic)]
      : [await startServer(kind, topic), await startServer(kind, topic)];
  await new Promise((done) => setTimeout(done, 1_000));
  const emitter = servers[0] as BenchServer;
  const receiver = servers[servers.length - 1] as BenchServer;
  try {
    const oneRoom = await throughput(emitter, receiver, 1, 100, 20_000);
    const manyRooms = await throughput(emitter, receiver, 1_000, 5, 50_000);
    const max = await throughput(emitter, receiver, 1, 10, 30_000);
    const at1000 = await latency(emitter, receiver, 1_000, 5);
    const eightyPercentRate = Math.round(max.messagesPerSecond * 0.8);
    const at80 = await latency(emitter, receiver, eightyPercentRate, 5);
    const recovered = await recovery(servers, RECOVERY_CYCLES);
    return { kind, oneRoom, manyRooms, at1000, eightyPercentRate, at80, recovered };
  } finally {
    for (const server of servers) server.stop();
  }
}

/**
 * A broker just started answers produce and fetch requests slower for its first tens of
 * thousands (most likely while its JIT compiles their paths): measured three times in a
 * row on one fresh broker, our latency at 1,000 msg/s had p50 2.9, 1.5 and 1.2 ms. The bulk
 * phases do not warm it, being few large requests. So before anything on Kafka is
 * measured, the floor runs uncounted for 20,000 small requests; whichever Kafka
 * measurement comes first no longer pays for the warm-up alone.
 */
async function warmBroker(): Promise<void> {
  await kafkaFloor(1_000, 10);
}

/** Debian's redis-server on `REDIS_PORT`, once it takes connections. */
async function startRedis(): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  let starting = true;
  const failed = new Promise<never>((_, fail) => {
    redis.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT')
        fail(new Error('redis-server is not installed: apt-get install redis-server'));
      else if (starting) fail(error);
      else process.stderr.write(`redis-server: ${error.message}\n`);
    });
    redis.once('exit', (code) => {
      if (starting) fail(new Error(`redis-server exited (${code}); is port ${REDIS_PORT} taken?`));
    });
  });
  await Promise.race([eventually('redis-server listening', () => isPortOpen(REDIS_PORT)), failed]);
  starting = false;
  return redis;
}

const ms = (value: number) => value.toFixed(1);

async function main(): Promise<void> {
  const redis = KINDS.some((kind) => kind.startsWith('redis')) ? await startRedis() : undefined;
  const rows: string[] = [];
  try {
    if (KINDS.includes('kafka')) {
      process.stderr.write('warming the broker up...\n');
      await warmBroker();
    }
    for (const kind of KINDS) {
      process.stderr.write(`measuring ${kind}...\n`);
      const r = await measure(kind);
      rows.push(
        `| ${r.kind} | ${Math.round(r.oneRoom.deliveriesPerSecond).toLocaleString('en')}${r.oneRoom.complete ? '' : ' (incomplete)'} ` +
          `| ${Math.round(r.manyRooms.deliveriesPerSecond).toLocaleString('en')}${r.manyRooms.complete ? '' : ' (incomplete)'} ` +
          `| ${ms(r.at1000.p50)} / ${ms(r.at1000.p95)} / ${ms(r.at1000.p99)}${r.at1000.lost > 0 ? ` (${r.at1000.lost} lost)` : ''} ` +
          `| ${r.eightyPercentRate.toLocaleString('en')}: ${ms(r.at80.p50)} / ${ms(r.at80.p95)} / ${ms(r.at80.p99)}${r.at80.lost > 0 ? ` (${r.at80.lost} lost)` : ''} ` +
          `| ${r.recovered.toFixed(0)}% |`,
      );
    }
    if (KINDS.includes('kafka')) {
      process.stderr.write('measuring kafkajs alone...\n');
      const floor = await kafkaFloor(1_000, 5);
      rows.push(
        `| kafkajs alone, no Socket.IO (the floor) | – | – ` +
          `| ${ms(floor.p50)} / ${ms(floor.p95)} / ${ms(floor.p99)}${floor.lost > 0 ? ` (${floor.lost} lost)` : ''} | – | – |`,
      );
    }
  } finally {
    redis?.kill();
  }
  process.stdout.write(
    [
      '| adapter | deliveries/s, 1 room × 100 clients | deliveries/s, 1,000 rooms × 5 clients | latency ms p50 / p95 / p99 at 1,000 msg/s | at 80% of max (msg/s: p50 / p95 / p99) | recovery across instances |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n') + '\n',
  );
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
