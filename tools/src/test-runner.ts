import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureKafka, ensurePostgres, REPO_ROOT, sayAs } from './infra';

const say = sayAs('test');

function nx(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'nx'), args, {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * `npm test`: brings up Kafka and PostgreSQL (reused when up), then runs the format
 * check and every project's lint, typecheck and test targets through Nx. Exits non-zero
 * on any failure and stops only the infrastructure it started.
 */
export async function runTests(extraNxArgs: readonly string[]): Promise<number> {
  const startedAt = Date.now();
  const [kafka, postgres] = await Promise.all([
    ensureKafka(sayAs('kafka')),
    ensurePostgres(sayAs('postgres')),
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: kafka.brokers.join(','),
    DATABASE_URL: postgres.url,
    NX_TUI: 'false',
    NX_NO_CLOUD: 'true',
  };
  const interrupted = new Promise<number>((resolve) => process.once('SIGINT', () => resolve(130)));
  try {
    const format = await Promise.race([nx(['format:check'], env), interrupted]);
    const targets = await Promise.race([
      nx(
        ['run-many', '-t', 'lint', 'typecheck', 'test', '--outputStyle=stream', ...extraNxArgs],
        env,
      ),
      interrupted,
    ]);
    const status = format !== 0 ? format : targets;
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
