/**
 * Signups end to end: auth, the orchestrator and a gateway as real processes
 * (tools/src/cluster). Each signup is POST /api/auth/signup answered 201 once its saga
 * has created the chat profile and activated the user.
 *
 * A signup's time splits at the moment auth stored the pending user (`users.created_at`,
 * the start of the transaction that follows the password hash):
 *   before: argon2id hashing (and the request's way in);
 *   after:  the saga's overhead: outbox → Kafka → orchestrator → chat → orchestrator →
 *           auth → the signup call noticing the user is active.
 *
 *   node tools/run.js bench sagas/run.ts      (Kafka and PostgreSQL must be up)
 *   RATE=50 SECONDS=20 IN_FLIGHT=16
 */
import { randomUUID } from 'node:crypto';
import { startChatCluster } from '@scale-chat/tools/cluster';
import { integer, parseEnv } from '@scale-chat/platform';
import { Client } from 'pg';
import { measureCpu } from '../cpu';
import { printFigures, runBenchmark } from '../report';

const { RATE, SECONDS, IN_FLIGHT } = parseEnv(process.env, {
  RATE: integer({ min: 1, max: 10_000 }, { default: 50 }),
  SECONDS: integer({ min: 1, max: 3_600 }, { default: 20 }),
  IN_FLIGHT: integer({ min: 1, max: 1_000 }, { default: 16 }),
});
const IDLE_SECONDS = 10;

interface Signup {
  readonly username: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function signup(authUrl: string, prefix: string): Promise<Signup> {
  const username = `${prefix}${randomUUID().slice(0, 12).replace('-', '')}`;
  const sentAt = Date.now();
  const response = await fetch(`${authUrl}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery staple' }),
  });
  await response.arrayBuffer();
  return { username, sentAt, answeredAt: Date.now(), status: response.status };
}

function percentiles(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return `${at(50).toFixed(0)} / ${at(95).toFixed(0)} / ${at(99).toFixed(0)} ms`;
}

async function split(db: Client, signups: readonly Signup[]) {
  const { rows } = await db.query<{ username: string; created_at: Date }>(
    `SELECT "username", "created_at" FROM "auth"."users" WHERE "username" = ANY($1)`,
    [signups.map((one) => one.username)],
  );
  const storedAt = new Map(rows.map((row) => [row.username, row.created_at.getTime()]));
  const hashing: number[] = [];
  const overhead: number[] = [];
  for (const one of signups) {
    const stored = storedAt.get(one.username);
    if (stored === undefined) continue;
    hashing.push(stored - one.sentAt);
    overhead.push(one.answeredAt - stored);
  }
  return { hashing, overhead };
}

async function main(): Promise<void> {
  const cluster = await startChatCluster({ gateways: 1 });
  const services = [cluster.auth, cluster.orchestrator, ...cluster.gateways];
  const db = new Client({ connectionString: cluster.databaseUrl });
  await db.connect();
  try {
    // Warm up (JIT, connections, consumer groups) before measuring.
    await Promise.all(Array.from({ length: 10 }, () => signup(cluster.auth.url, 'w')));

    // 0. Idle: what the system costs with nothing to do (polling, heartbeats).
    const idleCpu = measureCpu(services);
    await sleep(IDLE_SECONDS * 1000);
    const idleCpuUsed = idleCpu();

    // 1. A fixed offered rate.
    const paced: Promise<Signup>[] = [];
    const pacedCpu = measureCpu(services);
    const start = Date.now();
    for (let index = 0; index < RATE * SECONDS; index += 1) {
      const due = start + (index * 1000) / RATE;
      if (due > Date.now()) await sleep(due - Date.now());
      paced.push(signup(cluster.auth.url, 'p'));
    }
    const pacedResults = await Promise.all(paced);
    const pacedCpuUsed = pacedCpu(pacedResults.length);
    const pacedSplit = await split(db, pacedResults);

    // 2. As fast as it goes with IN_FLIGHT signups at a time.
    const saturated: Signup[] = [];
    const saturatedCpu = measureCpu(services);
    const saturatedStart = Date.now();
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (Date.now() - saturatedStart < SECONDS * 1000)
          saturated.push(await signup(cluster.auth.url, 's'));
      }),
    );
    const saturatedSeconds = (Date.now() - saturatedStart) / 1000;
    const saturatedCpuUsed = saturatedCpu(saturated.length);
    const saturatedSplit = await split(db, saturated);

    const sagas = await db.query<{ ms: number }>(
      `SELECT EXTRACT(EPOCH FROM ("updated_at" - "created_at")) * 1000 AS "ms"
         FROM "saga"."sagas" WHERE "type" = 'signup' AND "status" = 'completed'`,
    );
    const statuses = (results: readonly Signup[]) =>
      JSON.stringify(
        results.reduce<Record<number, number>>((counts, one) => {
          counts[one.status] = (counts[one.status] ?? 0) + 1;
          return counts;
        }, {}),
      );
    const rows: [string, string][] = [
      [
        `offered ${RATE} signups/s for ${SECONDS} s`,
        `${pacedResults.length} signups, statuses ${statuses(pacedResults)}`,
      ],
      [
        '  whole signup (p50 / p95 / p99)',
        percentiles(pacedResults.map((one) => one.answeredAt - one.sentAt)),
      ],
      ['  argon2id and the way in', percentiles(pacedSplit.hashing)],
      ['  **saga overhead**', `**${percentiles(pacedSplit.overhead)}**`],
      [
        `saturated, ${IN_FLIGHT} in flight`,
        `**${(saturated.length / saturatedSeconds).toFixed(1)} signups/s**, statuses ${statuses(saturated)}`,
      ],
      ['  whole signup', percentiles(saturated.map((one) => one.answeredAt - one.sentAt))],
      ['  argon2id and the way in', percentiles(saturatedSplit.hashing)],
      ['  saga overhead', percentiles(saturatedSplit.overhead)],
      [`CPU idle for ${IDLE_SECONDS} s (100 % = one core)`, idleCpuUsed],
      ['CPU while paced', pacedCpuUsed],
      ['CPU while saturated', saturatedCpuUsed],
      [
        'saga duration in the orchestrator (all runs)',
        percentiles(sagas.rows.map((row) => Number(row.ms))),
      ],
    ];
    printFigures(rows);
  } finally {
    await db.end();
    await cluster.stop();
  }
}

runBenchmark(main);
