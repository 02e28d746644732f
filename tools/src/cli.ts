import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import {
  edgeArgs,
  ensureHelm,
  ensureKafka,
  ensurePostgres,
  findInstance,
  nginxBinary,
  REPO_ROOT,
  sayAs,
  serviceCommand,
  stopKafka,
  stopPostgres,
} from './infra';
import { bundleService, isServiceName } from './build/bundle-service';
import { localStackEnv, runStack } from './stack';
import { runTests } from './test-runner';
import { renderChart } from './chart/render';
import { CHART_TOPICS_FILE, chartTopicsText } from './chart/topics';

const USAGE = `usage: node tools/run.js <command>
  stack                       run the whole local stack (npm start)
  test [nx args...]           bring up Kafka and PostgreSQL, run every check (npm test)
  infra up | down             start or stop Kafka and PostgreSQL in the background
  serve <service> [instance]  run one service in the foreground (infra must be up)
  serve edge                  run the edge (nginx) of the local stack in the foreground
  bench <file>                run a benchmark under bench/ (infra must be up)
  build <service>             bundle a service for production into dist/apps/<service>
  auth-admin grant|revoke <username>
                              give or take the admin role of an account (auth's DATABASE_URL)
  dead-letters <service> list [limit] | replay <id>... | discard <id>...
                              a service's dead letters: list them, publish them again, or drop them
  helm                        build the pinned Helm into the machine's cache (if missing), print its path
  chart-topics                write deploy/helm/scale-chat/files/topics.yaml from libs/contracts
  chart-render [values...]    the chart's objects rendered with these values files, as JSON`;

async function infra(action: string | undefined): Promise<number> {
  if (action === 'up') {
    const [kafka, postgres] = await Promise.all([
      ensureKafka(sayAs('kafka')),
      ensurePostgres(sayAs('postgres')),
    ]);
    sayAs('infra')(
      `KAFKA_BROKERS=${kafka.brokers.join(',')} and PostgreSQL at ${postgres.url} are up`,
    );
    return 0;
  }
  if (action === 'down') {
    await Promise.all([stopKafka(sayAs('kafka')), stopPostgres(sayAs('postgres'))]);
    return 0;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

function serve(service: string | undefined, instance: string | undefined): Promise<number> {
  const { command, args, env } =
    service === 'edge'
      ? { command: nginxBinary(), args: edgeArgs(), env: process.env }
      : serviceCommand(
          findInstance(service ?? '', Number(instance ?? '1')),
          localStackEnv(process.env),
        );
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: 'inherit' });
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.on(signal, () => child.kill(signal));
    child.once('exit', (code, signal) => {
      // Killed, it wrote nothing of its own: say so, with the shell's status for a signal.
      if (signal !== null)
        process.stderr.write(`${service ?? 'the service'} was stopped by ${signal}\n`);
      resolve(code ?? 128 + (osConstants.signals[signal ?? 'SIGTERM'] ?? 0));
    });
  });
}

/** `dead-letters <service> …` with that service's settings of the local stack (its first instance's). */
function deadLetters(service: string | undefined, args: readonly string[]): Promise<number> {
  if (service === undefined || !isServiceName(service)) {
    process.stderr.write(`${USAGE}\n`);
    return Promise.resolve(2);
  }
  const {
    command,
    args: serviceArgs,
    env,
  } = serviceCommand(findInstance(service, 1), localStackEnv(process.env));
  return new Promise((resolve) => {
    const child = spawn(command, [...serviceArgs, 'dead-letters', ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: 'inherit',
    });
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/** Runs a TypeScript file of the repository with the tools' swc hook, in the foreground. */
function runTypeScript(file: string, args: readonly string[] = []): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', join(REPO_ROOT, file), ...args],
      { cwd: REPO_ROOT, env: process.env, stdio: 'inherit' },
    );
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

function bench(file: string | undefined): Promise<number> {
  if (file === undefined) throw new Error('usage: node tools/run.js bench <file under bench/>');
  return runTypeScript(join('bench', file));
}

async function buildService(service: string | undefined): Promise<number> {
  if (service === undefined || !isServiceName(service)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const bundle = await bundleService(service);
  sayAs('build')(`${bundle.file} (needs ${bundle.packages.join(', ')})`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'stack':
      return runStack();
    case 'test':
      return runTests(rest);
    case 'infra':
      return infra(rest[0]);
    case 'serve':
      return serve(rest[0], rest[1]);
    case 'bench':
      return bench(rest[0]);
    case 'build':
      return buildService(rest[0]);
    case 'auth-admin':
      return runTypeScript('apps/auth/src/main.ts', ['admin', ...rest]);
    case 'dead-letters':
      return deadLetters(rest[0], rest.slice(1));
    case 'helm':
      process.stdout.write(`${await ensureHelm(sayAs('helm'))}\n`);
      return 0;
    case 'chart-topics':
      writeFileSync(CHART_TOPICS_FILE, chartTopicsText());
      return 0;
    case 'chart-render':
      process.stdout.write(JSON.stringify(await renderChart(rest)));
      return 0;
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
