import { readFileSync } from 'node:fs';
import { eventually, eventuallyValue } from '@scale-chat/wait';
import type { KafkaAdapter } from './kafka-adapter';
import {
  clusterOptions,
  collect,
  connectClient,
  startCluster,
  type Instance,
} from './testing/cluster';

const PAUSE_MS = 10_000;

/** The broker's pid, read when needed: another chaos test restarts it. */
function brokerPid(): number {
  const file = process.env['KAFKA_PID_FILE'];
  if (file === undefined) {
    throw new Error(
      'KAFKA_PID_FILE is not set: chaos tests run through `npm test`, which starts the broker they pause',
    );
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${file} holds no pid`);
  return pid;
}

describe('Kafka paused (SIGSTOP) for 10 s during traffic', () => {
  let nodes: Instance[];

  beforeAll(async () => {
    nodes = await startCluster(
      2,
      clusterOptions({ heartbeatInterval: 1_000, heartbeatTimeout: 3_000 }),
    );
    for (const node of nodes) node.io.on('connection', (socket) => void socket.join('room'));
  });

  afterAll(async () => {
    process.kill(brokerPid(), 'SIGCONT');
    await Promise.all(nodes.map((node) => node.close()));
  });

  it('loses nothing published during the pause and keeps the order', async () => {
    const [emitter, receiver] = nodes;
    if (emitter === undefined || receiver === undefined) throw new Error('cluster did not start');
    const client = await connectClient(receiver.url);
    const received = collect<number>(client, 'tick');
    const pid = brokerPid();

    let sent = 0;
    const ticker = setInterval(() => emitter.io.to('room').emit('tick', sent++), 10);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    process.kill(pid, 'SIGSTOP');
    const pausedAt = sent;
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    // Deaf while the broker is away: the health check says so.
    const duringPause = nodes.map((node) => node.adapter.bus.health());
    // A record has waited through the pause, though no request may have failed yet: a
    // caller ready to wait 9 s for its broadcasts to be in Kafka is told at once that they
    // will not be (waiting, it would see them published after SIGCONT: true).
    const waitedMs = emitter.adapter.bus.oldestPublishWaitMs;
    const inTime = (emitter.io.of('/').adapter as KafkaAdapter).publishedWithin(PAUSE_MS - 1_000);
    process.kill(pid, 'SIGCONT');
    const resumedAt = sent;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    clearInterval(ticker);

    await eventually(`${sent} ticks after the pause`, () => received.length >= sent, 60_000);
    client.disconnect();
    process.stdout.write(
      `sent ${sent} (${resumedAt - pausedAt} during the pause), received ${received.length}; ` +
        `publish errors reported: ${emitter.adapter.bus.stats.publishErrors}\n`,
    );
    expect(received).toEqual(Array.from({ length: sent }, (_, index) => index));
    expect(waitedMs).toBeGreaterThanOrEqual(PAUSE_MS - 1_000);
    expect(await inTime).toBe(false);
    expect(duringPause.map((health) => health.healthy)).toEqual([false, false]);
    expect(duringPause[0]?.reason).toMatch(/has not read its own heartbeat/);
    // Healthy again: each has read its own heartbeat within the timeout. A waited-for
    // condition, not a reading at one instant, which a busy machine can catch between two
    // heartbeats read late.
    const recovered = await eventuallyValue(
      'membership and health after the pause',
      () =>
        nodes.map((node) => ({
          servers: node.adapter.bus.serverCount(),
          healthy: node.adapter.bus.health().healthy,
        })),
      (states) => states.every(({ servers, healthy }) => servers === 2 && healthy),
      // Room for a busy machine: kafkajs reconnects and each server reads its heartbeat
      // back (10 s were once not enough beside two busy loops).
      30_000,
    );
    expect(recovered).toEqual([
      { servers: 2, healthy: true },
      { servers: 2, healthy: true },
    ]);
  }, 120_000);
});
