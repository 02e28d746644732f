import { eventually } from '@scale-chat/wait';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_DATABASE_URL, LOCAL_KAFKA_BROKERS, type ServiceName } from '@scale-chat/contracts';
import { Client } from 'pg';
import {
  CACHE_DIR,
  freePort,
  isHealthy,
  readSecureListener,
  REPO_ROOT,
  serviceCommand,
} from '../infra';

/** One service process of a test cluster, which a test may kill and start again. */
export interface ClusterProcess {
  readonly label: string;
  readonly service: ServiceName;
  readonly url: string;
  readonly port: number;
  /** Where its output goes. */
  readonly logFile: string;
  pid(): number | undefined;
  running(): boolean;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port with the same settings; resolves once healthy. */
  start(): Promise<void>;
}

export interface ChatCluster {
  readonly auth: ClusterProcess;
  readonly orchestrator: ClusterProcess;
  readonly gateways: readonly ClusterProcess[];
  /** Started when asked for (`logConsumer: true`). */
  readonly logConsumer: ClusterProcess | undefined;
  /** The topic prefix (`KAFKA_TOPIC_PREFIX`) of this cluster's topics. */
  readonly topicPrefix: string;
  readonly databaseUrl: string;
  stop(): Promise<void>;
}

export interface ChatClusterOptions {
  readonly gateways?: number;
  /** Start the log-consumer too (its admin: the user `admin`). */
  readonly logConsumer?: boolean;
  /**
   * Every process reaches Kafka as a production deployment may: over the test broker's
   * TLS listener, with its CA, as a SCRAM-SHA-512 user.
   */
  readonly kafkaOverTlsAndScram?: boolean;
  /** Extra environment for every process. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The services' Kafka settings for the test broker's TLS and SCRAM-SHA-512 listener. */
function tlsAndScramEnv(): NodeJS.ProcessEnv {
  const listener = readSecureListener();
  if (listener === undefined)
    throw new Error(
      'KAFKA_SECURE_LISTENER_FILE is not set: the broker is not one these tools started (npm test sets it for its own)',
    );
  const user = listener.users['scram-sha-512'];
  return {
    KAFKA_BROKERS: listener.brokers.join(','),
    KAFKA_TLS: 'true',
    KAFKA_TLS_CA_FILE: listener.caFile,
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: user.username,
    KAFKA_SASL_PASSWORD: user.password,
  };
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops the cluster's database. FORCE ends the sessions left, but not an autovacuum
 * worker busy with it (a superuser's process, after a test wrote thousands of rows):
 * that refusal is waited out.
 */
async function dropDatabase(baseUrl: string, database: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await withClient(baseUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`),
      );
      return;
    } catch (error) {
      const insufficientPrivilege = (error as { code?: string }).code === '42501';
      if (!insufficientPrivilege || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Node flags for every service process besides `SERVICE_NODE_FLAGS` (later ones win),
 * from `CLUSTER_NODE_FLAGS` (space-separated):
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` profiles a benchmark's services, which
 * `NODE_OPTIONS` does not allow.
 */
const nodeFlags = (): string[] =>
  (process.env['CLUSTER_NODE_FLAGS'] ?? '').split(' ').filter((flag) => flag !== '');

/**
 * auth, the saga orchestrator and N chat gateways as real processes, started from their
 * sources exactly as `npm start` does, against the run's Kafka and PostgreSQL but with
 * a database, topics and consumer groups of their own, on free ports. Each process
 * writes its log to `.cache/test-logs/`.
 */
export async function startChatCluster(options: ChatClusterOptions = {}): Promise<ChatCluster> {
  const run = randomBytes(4).toString('hex');
  const baseUrl = process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL;
  const database = `cluster_${run}`;
  await withClient(baseUrl, (client) => client.query(`CREATE DATABASE "${database}"`));
  const databaseUrl = Object.assign(new URL(baseUrl), { pathname: `/${database}` }).toString();
  const topicPrefix = `test-c${run}.`;
  const logDir = join(CACHE_DIR, 'test-logs', `cluster-${run}`);
  mkdirSync(logDir, { recursive: true });

  const authPort = await freePort();
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? LOCAL_KAFKA_BROKERS.join(','),
    DATABASE_URL: databaseUrl,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    SOCKET_IO_TOPIC: `${topicPrefix}socketio`,
    AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/api/auth/jwks`,
    SIGNUP_RATE_LIMIT_PER_MINUTE: '100000',
    ADMIN_USERNAMES: 'admin',
    // A killed process's partitions move on after 6 s (the broker's minimum), not 30.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    ...(options.kafkaOverTlsAndScram === true ? tlsAndScramEnv() : {}),
    ...options.env,
  };

  const processOf = (service: ServiceName, label: string, port: number): ClusterProcess => {
    let child: ChildProcess | undefined;
    const logFile = join(logDir, `${label}.log`);
    const url = `http://127.0.0.1:${port}`;
    const start = async () => {
      // The child writes its log itself: piped through this process, a busy test or
      // load generator would hold it up and add its own CPU to every line.
      const log = openSync(logFile, 'a');
      const command = serviceCommand(
        { service, label, port },
        // The gateways share their groups (one consumer per event); others have their own.
        { ...common, KAFKA_GROUP_PREFIX: `test-c${run}-${service}` },
        nodeFlags(),
      );
      child = spawn(command.command, command.args, {
        cwd: REPO_ROOT,
        env: command.env,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      const current = child;
      await eventually(label, () => isHealthy(`${url}/health`), {
        timeoutMs: 90_000,
        failed: () =>
          current.exitCode === null && current.signalCode === null
            ? undefined
            : `exited (${current.exitCode ?? current.signalCode}); see ${logFile}`,
      });
    };
    return {
      label,
      service,
      url,
      port,
      logFile,
      pid: () => child?.pid,
      running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
      kill: async (signal) => {
        if (child === undefined) return;
        const done = exited(child);
        child.kill(signal);
        await done;
      },
      start,
    };
  };

  const auth = processOf('auth', 'auth', authPort);
  const orchestrator = processOf('saga-orchestrator', 'saga-orchestrator', await freePort());
  const gateways: ClusterProcess[] = [];
  for (let index = 1; index <= (options.gateways ?? 2); index += 1) {
    gateways.push(processOf('chat-gateway', `chat-gateway-${index}`, await freePort()));
  }
  const logConsumer = options.logConsumer
    ? processOf('log-consumer', 'log-consumer', await freePort())
    : undefined;
  const all = [
    auth,
    orchestrator,
    ...gateways,
    ...(logConsumer === undefined ? [] : [logConsumer]),
  ];
  const stop = async () => {
    await Promise.all(
      all.filter((member) => member.running()).map((member) => member.kill('SIGTERM')),
    );
    await dropDatabase(baseUrl, database);
  };
  try {
    // auth first: the gateways read its JWKS as they start.
    await auth.start();
    await Promise.all(all.filter((member) => member !== auth).map((member) => member.start()));
  } catch (error) {
    await stop();
    throw error;
  }
  return { auth, orchestrator, gateways, logConsumer, topicPrefix, databaseUrl, stop };
}
