import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { FailureRecap } from './failure-recap';
import {
  deleteThrowawayTopics,
  ensureHelm,
  ensureKafka,
  ensurePostgres,
  KAFKA_PID_FILE,
  KAFKA_SECURE_LISTENER_FILE,
  REPO_ROOT,
  sayAs,
} from './infra';

const say = sayAs('test');

/** What every failing test printed (per stream: lines may end in either), to repeat at the end. */
const recaps = { stdout: new FailureRecap(), stderr: new FailureRecap() };

function nx(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), args, {
      cwd: REPO_ROOT,
      env,
      stdio: ['inherit', 'pipe', 'pipe'],
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => {
        process[stream].write(chunk);
        recaps[stream].write(chunk.toString('utf8'));
      });
    }
    // 'exit', not 'close': a process a task leaves running (a broker) may hold the pipes.
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * The chaos targets need a broker they may pause, kill and start again: the one the tools
 * run. They read its pid from its file each time (`KAFKA_PID_FILE`), as one of them
 * restarts it.
 */
function runChaos(
  kafkaPid: number | undefined,
  env: NodeJS.ProcessEnv,
  extraNxArgs: readonly string[],
): Promise<number> {
  if (kafkaPid === undefined) {
    const whose =
      process.env['KAFKA_BROKERS'] === undefined
        ? "the broker already on 127.0.0.1:9092 was not started by this clone's tools (stop it, or run the tests from the clone that started it)"
        : 'the broker is the one KAFKA_BROKERS names, not one these tools started';
    say(`chaos tests NOT run: ${whose}, so they may not pause it`);
    return Promise.resolve(0);
  }
  return nx(['run-many', '-t', 'chaos', '--parallel=1', '--outputStyle=stream', ...extraNxArgs], {
    ...env,
    KAFKA_PID_FILE,
  });
}

/**
 * `npm test`: brings up Kafka and PostgreSQL (reused when up) and builds Helm (once per
 * machine), then runs the format check, every project's lint, typecheck and the three
 * test tiers (`test`: unit, no I/O; `integration`: one service against Kafka and
 * PostgreSQL; `e2e`: the whole stack) through Nx, and then, one at a time, the `chaos`
 * targets that pause or break the shared broker. Exits non-zero on any
 * failure and stops only the infrastructure it started.
 */
export async function runTests(extraNxArgs: readonly string[]): Promise<number> {
  const startedAt = Date.now();
  // Helm too, once per machine (built from source): the chart's checks in several
  // projects' tests then find it instead of each building it.
  const [kafka, postgres] = await Promise.all([
    ensureKafka(sayAs('kafka')),
    ensurePostgres(sayAs('postgres')),
    ensureHelm(sayAs('helm')),
  ]);
  if (kafka.pid !== undefined) {
    // Only on the tools' own broker: one given by KAFKA_BROKERS is somebody else's.
    await deleteThrowawayTopics(kafka.brokers, sayAs('kafka')).catch((error: unknown) =>
      say(`could not delete the topics earlier runs left (going on): ${String(error)}`),
    );
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: kafka.brokers.join(','),
    DATABASE_URL: postgres.url,
    NX_TUI: 'false',
    NX_NO_CLOUD: 'true',
    // The tools' broker has a TLS and SASL listener too; its tests find it here.
    ...(kafka.pid === undefined ? {} : { KAFKA_SECURE_LISTENER_FILE }),
  };
  const interrupted = new Promise<number>((resolve) => process.once('SIGINT', () => resolve(130)));
  try {
    const format = await Promise.race([nx(['format:check'], env), interrupted]);
    const targets = await Promise.race([
      nx(
        [
          'run-many',
          '-t',
          'lint',
          'typecheck',
          'test',
          'integration',
          'e2e',
          '--outputStyle=stream',
          ...extraNxArgs,
        ],
        env,
      ),
      interrupted,
    ]);
    const chaos = await Promise.race([runChaos(kafka.pid, env, extraNxArgs), interrupted]);
    const status = [format, targets, chaos].find((code) => code !== 0) ?? 0;
    const failures = [...recaps.stdout.lines(), ...recaps.stderr.lines()];
    if (status !== 0 && failures.length > 0) {
      say('the failing tests, again (their output above is interleaved with the others):');
      for (const line of failures) process.stdout.write(`${line}\n`);
    }
    say(
      `${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    );
    return status;
  } finally {
    await Promise.all(
      [kafka, postgres].filter((handle) => handle.startedHere).map((handle) => handle.stop()),
    );
  }
}
