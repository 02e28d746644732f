import { eventually } from '@scale-chat/wait';
import { EDGE_PORT, SERVICE_NAMES, SERVICES } from '@scale-chat/contracts';
import { firstStopSignal } from './infra/stop-signal';
import {
  checkEdgeConfig,
  describeHolders,
  edgeArgs,
  ensureKafka,
  ensurePostgres,
  isHealthy,
  isPortOpen,
  localInstances,
  nginxBinary,
  REPO_ROOT,
  sayAs,
  serviceCommand,
  startManaged,
  type InfraHandle,
  type ManagedProcess,
  type ServiceInstance,
} from './infra';

const say = sayAs('stack');
const EDGE = `http://127.0.0.1:${EDGE_PORT}`;
const edgeHealthUrls = SERVICE_NAMES.map((name) => `${EDGE}${SERVICES[name].edgeHealthPath}`);

async function allHealthy(urls: readonly string[]): Promise<boolean> {
  return (await Promise.all(urls.map(isHealthy))).every(Boolean);
}

function printReady(startedAt: number): void {
  const lines = [
    `ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`,
    `  edge (the public entry)   ${EDGE}`,
    ...localInstances().map(
      (instance) => `  ${instance.label.padEnd(25)} http://127.0.0.1:${instance.port}`,
    ),
    `  health through the edge   ${edgeHealthUrls.join(' ')}`,
    'Press Ctrl-C to stop everything.',
  ];
  for (const line of lines) say(line);
}

/**
 * `npm start`: Kafka and PostgreSQL (reused when up), every service (two chat-gateway
 * instances), then nginx as the edge; waits for every health check, prints the URLs and
 * runs until Ctrl-C or SIGTERM, then stops what it started, edge first, infrastructure last.
 */
export async function runStack(): Promise<number> {
  const startedAt = Date.now();
  const instances = localInstances();
  const ports = [EDGE_PORT, ...instances.map((instance) => instance.port)];
  const busy = await portsInUse(ports);
  if (busy.length > 0) {
    const down = instances.filter((instance) => !busy.includes(instance.port));
    if (down.length === 0 && (await allHealthy(edgeHealthUrls))) {
      say(`the stack is already up (edge at ${EDGE}); nothing was started`);
      return 0;
    }
    // The edge up, instances short: those a running stack started and lost.
    if (busy.includes(EDGE_PORT) && down.length > 0 && (await isHealthy(`${EDGE}/health`))) {
      say(
        `the stack is up (edge at ${EDGE}) without ${down.map((instance) => instance.label).join(', ')}; nothing was started`,
      );
      for (const instance of down) say(`${instance.label}: ${restartHint(instance)}`);
      return 1;
    }
    const holders = describeHolders(busy);
    say(`cannot start: in use by other programs: ${holders}`);
    if (holders.includes('/src/main.ts'))
      say(
        'a service started again by hand (`node tools/run.js serve …`) runs until it is stopped in its own terminal (Ctrl-C) or killed',
      );
    return 1;
  }

  const stopped = firstStopSignal((signal) => say(`${signal}: already stopping`));
  let ready = false;
  let stopping = false;
  const services: ManagedProcess[] = [];
  let edge: ManagedProcess | undefined;
  const infra: InfraHandle[] = [];
  let status = 0;
  try {
    await checkEdgeConfig(sayAs('edge'));
    const [kafka, postgres] = await Promise.all([
      ensureKafka(sayAs('kafka')),
      ensurePostgres(sayAs('postgres')),
    ]);
    infra.push(kafka, postgres);

    const env = {
      ...localStackEnv(process.env),
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
    };
    instances.forEach((instance, index) => {
      const { command, args, env: serviceEnv } = serviceCommand(instance, env);
      const managed = startManaged(instance.label, command, args, {
        env: serviceEnv,
        cwd: REPO_ROOT,
        colorIndex: index,
      });
      services.push(managed);
      // Once the stack is up: a service that fails to start fails the start, said below.
      void managed.exited.then((reason) => {
        if (ready && !stopping)
          say(`${instance.label} ${reason}; the rest runs on. ${restartHint(instance)}`);
      });
    });
    await unlessStopped(
      Promise.all(
        instances.map((instance, index) =>
          eventually(instance.label, () => isHealthy(instance.healthUrl), {
            timeoutMs: 120_000,
            failed: () => services[index]?.exitReason(),
          }),
        ),
      ),
      stopped,
    );

    const started = startManaged('edge', nginxBinary(), edgeArgs(), {
      colorIndex: instances.length,
    });
    edge = started;
    // Once a second: the edge limits /health/* per address (5 a second after a burst of
    // 20), and these are four routes a round.
    await unlessStopped(
      eventually('edge', () => allHealthy(edgeHealthUrls), {
        timeoutMs: 15_000,
        intervalMs: 1_000,
        failed: started.exitReason,
      }),
      stopped,
    );
    printReady(startedAt);
    ready = true;

    void started.exited.then((reason) => {
      if (ready && !stopping)
        say(`the edge ${reason}; start it again with \`node tools/run.js serve edge\``);
    });

    const signal = await stopped;
    stopping = true;
    say(`${signal}: stopping`);
  } catch (error) {
    if (error instanceof StopRequested) {
      say(`${error.signal}: stopping before everything was up`);
    } else {
      say(`failed: ${error instanceof Error ? error.message : String(error)}`);
      status = 1;
    }
  } finally {
    stopping = true;
    // The edge first (if it was started), so no request reaches a service going away.
    await edge?.stop(5_000);
    await Promise.all(services.map((service) => service.stop(15_000)));
    await Promise.all(infra.filter((handle) => handle.startedHere).map((handle) => handle.stop()));
    say('stopped');
    // Started by hand beside the stack: not the stack's to stop, but worth a word, as the
    // next `npm start` cannot start while they hold their ports.
    const left = await portsInUse(ports);
    if (left.length > 0)
      say(
        `still running, started outside npm start: ${describeHolders(left)}; stop them before the next start`,
      );
  }
  return status;
}

/** A stop signal came while the stack was still starting. */
class StopRequested extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`${signal} while starting`);
  }
}

/**
 * `step`, unless a stop signal comes first: the waits for the services' and the edge's
 * health take up to minutes, and Ctrl-C must not wait them out. (Kafka and PostgreSQL are
 * let finish starting, so that what they started is known and stopped.)
 */
async function unlessStopped<T>(step: Promise<T>, stopped: Promise<NodeJS.Signals>): Promise<T> {
  const first = await Promise.race([
    step.then((value) => ({ value })),
    stopped.then((signal) => ({ signal })),
  ]);
  if ('signal' in first) throw new StopRequested(first.signal);
  return first.value;
}

/** The ones of `ports` something listens on. */
async function portsInUse(ports: readonly number[]): Promise<number[]> {
  const open = await Promise.all(ports.map((port) => isPortOpen(port)));
  return ports.filter((_port, index) => open[index]);
}

/** How to run `instance` again beside a running stack, and how that one is stopped. */
function restartHint(instance: ServiceInstance): string {
  const number = localInstances()
    .filter((candidate) => candidate.service === instance.service)
    .findIndex((candidate) => candidate.port === instance.port);
  const suffix = instance.label === instance.service ? '' : ` ${number + 1}`;
  // In a shell of its own, whose Node may be older than the one npm start put first on
  // its own PATH: use-node.sh puts that one first there too (and says which it is).
  return `To run it again: \`. tools/use-node.sh && node tools/run.js serve ${instance.service}${suffix}\` in another terminal (Ctrl-C there stops it; npm start does not).`;
}

/**
 * The environment of the local stack's services, given the user's: what `npm start` and
 * `serve` both run them with (API.md: `admin` reads the stats in the local stack).
 */
export function localStackEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, ADMIN_USERNAMES: env['ADMIN_USERNAMES'] ?? 'admin' };
}
