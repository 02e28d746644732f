/**
 * Socket.IO adapters side by side, on this machine, in one run: the in-memory adapter
 * (one server: the upper bound), @socket.io/redis-adapter, @socket.io/redis-streams-adapter
 * (both on Debian's redis-server) and ours on Kafka (two servers each). Messages are
 * emitted on one server and received by clients of the other. Prints a Markdown table.
 *
 *   node tools/run.js bench adapter/run.ts      (Kafka must be up: npm run infra:up)
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { ADAPTER_KINDS, type AdapterKind } from './adapters';
import { nowMs, type EmitCommand, type ServerReport } from './protocol';

const REPO_ROOT = resolve(__dirname, '..', '..');
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

function startServer(kind: AdapterKind, topic: string): Promise<BenchServer> {
  const child = fork(join(__dirname, 'server.ts'), [kind, REDIS_URL, BROKERS, topic], {
    execArgv: ['-r', '@swc-node/register'],
    env: { ...process.env, SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json') },
  });
  return new Promise((resolvePromise, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.once('message', (report: ServerReport) => {
      if (report.type !== 'ready') return;
      resolvePromise({
        url: `http://127.0.0.1:${report.port}`,
        emit: (command) =>
          new Promise((done) => {
            child.send(command);
            const onReport = (message: ServerReport) => {
              if (message.type !== 'emitted') return;
              child.off('message', onReport);
              done(message.elapsedMs);
            };
            child.on('message', onReport);
          }),
        stop: () => child.kill('SIGKILL'),
      });
    });
  });
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
  const deadline = Date.now() + 120_000;
  while (received < expected && Date.now() < deadline)
    await new Promise((done) => setTimeout(done, 20));
  for (const client of clients) client.disconnect();
  return {
    deliveriesPerSecond: (received / (last - started)) * 1000,
    complete: received === expected,
    messagesPerSecond: (messages / (last - started)) * 1000,
  };
}

/** Emit-to-receive latency on the other instance at `rate` msg/s for `seconds`. */
async function latency(emitter: BenchServer, receiver: BenchServer, rate: number, seconds: number) {
  const clients = await connectClients(receiver.url, ['lat'], 10);
  const samples: number[] = [];
  for (const client of clients) client.on('m', (sentAt: number) => samples.push(nowMs() - sentAt));
  await new Promise((done) => setTimeout(done, 500));
  const count = Math.round(rate * seconds);
  await emitter.emit({ rooms: ['lat'], count, rate });
  const deadline = Date.now() + 30_000;
  while (samples.length < count * clients.length && Date.now() < deadline)
    await new Promise((done) => setTimeout(done, 20));
  for (const client of clients) client.disconnect();
  samples.sort((a, b) => a - b);
  const at = (p: number) =>
    samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))] ?? NaN;
  return { p50: at(50), p95: at(95), p99: at(99), lost: count * clients.length - samples.length };
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

function startRedis(): ChildProcess {
  return spawn(
    'redis-server',
    ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
}

async function main(): Promise<void> {
  const redis = KINDS.some((kind) => kind.startsWith('redis')) ? startRedis() : undefined;
  await new Promise((done) => setTimeout(done, 500));
  const rows: string[] = [];
  try {
    for (const kind of KINDS) {
      process.stderr.write(`measuring ${kind}...\n`);
      const r = await measure(kind);
      const ms = (value: number) => value.toFixed(1);
      rows.push(
        `| ${r.kind} | ${Math.round(r.oneRoom.deliveriesPerSecond).toLocaleString('en')}${r.oneRoom.complete ? '' : ' (incomplete)'} ` +
          `| ${Math.round(r.manyRooms.deliveriesPerSecond).toLocaleString('en')}${r.manyRooms.complete ? '' : ' (incomplete)'} ` +
          `| ${ms(r.at1000.p50)} / ${ms(r.at1000.p95)} / ${ms(r.at1000.p99)}${r.at1000.lost > 0 ? ` (${r.at1000.lost} lost)` : ''} ` +
          `| ${r.eightyPercentRate.toLocaleString('en')}: ${ms(r.at80.p50)} / ${ms(r.at80.p95)} / ${ms(r.at80.p99)}${r.at80.lost > 0 ? ` (${r.at80.lost} lost)` : ''} ` +
          `| ${r.recovered.toFixed(0)}% |`,
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
