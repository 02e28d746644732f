import { eventually } from '@scale-chat/wait';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { LOCAL_KAFKA_BROKERS, LOCAL_KAFKA_PORT } from '@scale-chat/contracts';
import { Kafka, logLevel } from 'kafkajs';
import { alreadyRunning, type InfraHandle } from './handle';
import type { Say } from './log';
import { CACHE_DIR, REPO_ROOT } from './paths';
import { isAlive, isPortOpen, readPidFile, run, stopPid, tail } from './processes';

const CONTROLLER_PORT = 9093;
/** The listener that takes TLS and SASL (PLAIN and SCRAM-SHA-512) only, for their tests. */
const SECURE_PORT = 9094;
const POM = join(REPO_ROOT, 'tools', 'kafka', 'pom.xml');
const KAFKA_DIR = join(CACHE_DIR, 'kafka');
const DATA_DIR = join(KAFKA_DIR, 'data');
const LOG_DIR = join(KAFKA_DIR, 'logs');
/**
 * The pid of the broker these tools started. Chaos tests read it here (`KAFKA_PID_FILE`)
 * each time they signal the broker: one of them crashes and restarts it.
 */
export const KAFKA_PID_FILE = join(KAFKA_DIR, 'kafka.pid');
/**
 * How to reach the broker's TLS and SASL listener (`SecureListener`): its tests read it
 * here (`KAFKA_SECURE_LISTENER_FILE`). Made once per machine, with its certificate.
 */
export const KAFKA_SECURE_LISTENER_FILE = join(KAFKA_DIR, 'secure-listener.json');

/** The broker's TLS and SASL listener, as its tests reach it. */
export interface SecureListener {
  readonly brokers: string[];
  /** The broker's own certificate (self-signed, for 127.0.0.1), as a PEM file. */
  readonly caFile: string;
  readonly users: Record<'plain' | 'scram-sha-512', { username: string; password: string }>;
  /**
   * The cluster whose data holds the SCRAM user: it is written when the data directory is
   * made, so a broker whose data is older than this file has none.
   */
  scramUserInCluster?: string;
  readonly keystore: { readonly file: string; readonly password: string };
}

/** The broker version, as pinned in tools/kafka/pom.xml (the one place it is written). */
export function kafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`${POM} does not pin <kafka.version>`);
  return match[1];
}

/** Fetches the broker's jars from Maven Central once; later calls reuse them. */
export async function fetchKafka(say: Say): Promise<string> {
  const libs = join(KAFKA_DIR, kafkaVersion(), 'libs');
  if (existsSync(join(libs, '.complete'))) return libs;
  say(`fetching Apache Kafka ${kafkaVersion()} from Maven Central (first run only)`);
  const partial = `${libs}.partial`;
  rmSync(partial, { recursive: true, force: true });
  await run('mvn', [
    '-B',
    '-q',
    '-f',
    POM,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${partial}`,
  ]);
  writeFileSync(join(partial, '.complete'), new Date().toISOString());
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  return libs;
}

async function brokerAnswers(brokers: readonly string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'tools-probe',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect();
  }
}

function writeServerProperties(secure: SecureListener): string {
  const template = readFileSync(join(REPO_ROOT, 'tools', 'kafka', 'server.properties'), 'utf8');
  const path = join(KAFKA_DIR, 'server.properties');
  writeFileSync(
    path,
    template
      .replaceAll('@DATA_DIR@', DATA_DIR)
      .replaceAll('@PORT@', String(LOCAL_KAFKA_PORT))
      .replaceAll('@CONTROLLER_PORT@', String(CONTROLLER_PORT))
      .replaceAll('@SECURE_PORT@', String(SECURE_PORT))
      .replaceAll('@KEYSTORE@', secure.keystore.file)
      .replaceAll('@KEYSTORE_PASSWORD@', secure.keystore.password)
      .replaceAll('@PLAIN_USER@', secure.users.plain.username)
      .replaceAll('@PLAIN_PASSWORD@', secure.users.plain.password),
  );
  chmodSync(path, 0o600); // it holds the PLAIN user's password
  return path;
}

/**
 * The secure listener of the broker the tests run on, as `npm test` names its file in
 * `KAFKA_SECURE_LISTENER_FILE`; none when the broker is not one these tools started.
 */
export function readSecureListener(): SecureListener | undefined {
  const file = process.env['KAFKA_SECURE_LISTENER_FILE'];
  return file === undefined
    ? undefined
    : (JSON.parse(readFileSync(file, 'utf8')) as SecureListener);
}

/**
 * The secure listener's certificate (keytool, as Java is here anyway) and users, made on
 * the first start and kept: random passwords, in files only this user may read.
 */
async function secureListener(): Promise<SecureListener> {
  if (existsSync(KAFKA_SECURE_LISTENER_FILE))
    return JSON.parse(readFileSync(KAFKA_SECURE_LISTENER_FILE, 'utf8')) as SecureListener;
  const secret = () => randomBytes(18).toString('base64url');
  const keystore = { file: join(KAFKA_DIR, 'secure-listener.p12'), password: secret() };
  const caFile = join(KAFKA_DIR, 'secure-listener-ca.pem');
  rmSync(keystore.file, { force: true });
  // The password by environment, not on a command line (`ps`, an error's message). The
  // SCRAM user's is on the storage tool's and ConfigCommand's (they take it no other
  // way for a new user): a local test broker's, kept out of error messages only.
  const store = [
    '-keystore',
    keystore.file,
    '-storetype',
    'PKCS12',
    '-storepass:env',
    'STORE_PASSWORD',
  ];
  const withPassword = { env: { ...process.env, STORE_PASSWORD: keystore.password } };
  await run(
    'keytool',
    [
      '-genkeypair',
      ...['-alias', 'broker', '-keyalg', 'EC', '-groupname', 'secp256r1'],
      ...['-dname', 'CN=127.0.0.1', '-ext', 'SAN=ip:127.0.0.1', '-validity', '3650'],
      ...store,
    ],
    withPassword,
  );
  const exportCa = ['-exportcert', '-rfc', '-alias', 'broker', '-file', caFile, ...store];
  await run('keytool', exportCa, withPassword);
  chmodSync(keystore.file, 0o600); // the broker's private key
  const listener: SecureListener = {
    brokers: [`127.0.0.1:${SECURE_PORT}`],
    caFile,
    users: {
      plain: { username: 'plain-user', password: secret() },
      'scram-sha-512': { username: 'scram-user', password: secret() },
    },
    keystore,
  };
  saveSecureListener(listener);
  return listener;
}

/**
 * A data directory made before the secure listener has no SCRAM user: it is added once,
 * through the running broker (what `kafka-configs.sh --alter --add-config` does).
 */
async function addScramUserToOlderData(
  libs: string,
  secure: SecureListener,
  say: Say,
): Promise<void> {
  const clusterId = /^cluster\.id=(.+)$/m.exec(
    readFileSync(join(DATA_DIR, 'meta.properties'), 'utf8'),
  )?.[1];
  if (clusterId === undefined || secure.scramUserInCluster === clusterId) return;
  const scram = secure.users['scram-sha-512'];
  await runKafkaTool(libs, 'kafka.admin.ConfigCommand', scram.password, [
    ...['--bootstrap-server', `127.0.0.1:${LOCAL_KAFKA_PORT}`, '--alter'],
    ...['--add-config', `SCRAM-SHA-512=[password=${scram.password}]`],
    ...['--entity-type', 'users', '--entity-name', scram.username],
  ]);
  saveSecureListener({ ...secure, scramUserInCluster: clusterId });
  say("added the secure listener's SCRAM user to data made before it");
}

/** Runs one of Kafka's command-line tools; its failure's message says `secret` as ***. */
async function runKafkaTool(
  libs: string,
  mainClass: string,
  secret: string,
  args: readonly string[],
): Promise<void> {
  try {
    await run('java', javaArgs(libs, mainClass, args));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(message.replaceAll(secret, '***'));
  }
}

function saveSecureListener(listener: SecureListener): void {
  writeFileSync(KAFKA_SECURE_LISTENER_FILE, JSON.stringify(listener, null, 2), { mode: 0o600 });
}

/** The java command line of a Kafka tool or broker; its own logs go to `logDir`. */
export function javaArgs(
  libs: string,
  mainClass: string,
  args: readonly string[],
  logDir: string = LOG_DIR,
): string[] {
  return [
    '-Xms256m',
    '-Xmx768m',
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${logDir}`,
    `-Dlog4j.configuration=file:${join(REPO_ROOT, 'tools', 'kafka', 'log4j.properties')}`,
    '-cp',
    join(libs, '*'),
    mainClass,
    ...args,
  ];
}

/**
 * The Kafka broker of the local stack and the tests; `pid` is known when the tools
 * started it (chaos tests pause it). `KAFKA_BROKERS` set by the user:
 * that is used and nothing starts. A broker already on 127.0.0.1:9092 is reused.
 * Otherwise the pinned Apache Kafka starts in KRaft mode, in the background, and this
 * resolves once it answers.
 */
export async function ensureKafka(
  say: Say,
): Promise<InfraHandle & { brokers: string[]; pid?: number }> {
  const given = process.env['KAFKA_BROKERS'];
  if (given !== undefined && given.trim() !== '') {
    say(`using KAFKA_BROKERS=${given}`);
    return alreadyRunning('kafka', { brokers: given.split(',') });
  }
  const brokers = [...LOCAL_KAFKA_BROKERS];
  if (await isPortOpen(LOCAL_KAFKA_PORT)) {
    if (!(await brokerAnswers(brokers))) {
      throw new Error(
        `something listens on 127.0.0.1:${LOCAL_KAFKA_PORT} but does not answer as a Kafka broker`,
      );
    }
    say(`reusing the broker already on 127.0.0.1:${LOCAL_KAFKA_PORT}`);
    const pid = readPidFile(KAFKA_PID_FILE);
    return alreadyRunning('kafka', { brokers, ...(pid === undefined ? {} : { pid }) });
  }

  const pid = await startBroker(say, brokers);
  return { name: 'kafka', brokers, pid, startedHere: true, stop: () => stopKafka(say) };
}

/** Starts the broker in the background on its data directory and resolves once it answers. */
async function startBroker(say: Say, brokers: readonly string[]): Promise<number> {
  const libs = await fetchKafka(say);
  mkdirSync(LOG_DIR, { recursive: true });
  let secure = await secureListener();
  const properties = writeServerProperties(secure);
  if (!existsSync(join(DATA_DIR, 'meta.properties'))) {
    const clusterId = newClusterId();
    const scram = secure.users['scram-sha-512'];
    await runKafkaTool(libs, 'kafka.tools.StorageTool', scram.password, [
      'format',
      ...['-t', clusterId, '-c', properties],
      ...['--add-scram', `SCRAM-SHA-512=[name=${scram.username},password=${scram.password}]`],
    ]);
    secure = { ...secure, scramUserInCluster: clusterId };
    saveSecureListener(secure);
  }

  const started = Date.now();
  const output = openSync(join(LOG_DIR, 'stdout.log'), 'a');
  const broker = spawn('java', javaArgs(libs, 'kafka.Kafka', [properties]), {
    detached: true,
    stdio: ['ignore', output, output],
  });
  broker.unref();
  const pid = broker.pid;
  if (pid === undefined) throw new Error('java could not be started');
  writeFileSync(KAFKA_PID_FILE, String(pid));
  await eventually(`Kafka ${kafkaVersion()}`, () => brokerAnswers(brokers), {
    timeoutMs: 90_000,
    intervalMs: 500,
    failed: () =>
      isAlive(pid)
        ? undefined
        : `the broker exited; its log says:\n${tail(join(LOG_DIR, 'server.log'))}`,
  });
  say(
    `Kafka ${kafkaVersion()} (KRaft) ready on 127.0.0.1:${LOCAL_KAFKA_PORT} in ${Date.now() - started} ms`,
  );
  await addScramUserToOlderData(libs, secure, say);
  return pid;
}

/**
 * For chaos tests: kills the broker these tools started with SIGKILL, as a crash would,
 * and resolves once it is gone. Nothing else is touched.
 */
export async function crashLocalKafka(): Promise<void> {
  const pid = readPidFile(KAFKA_PID_FILE);
  if (pid === undefined) throw new Error('no broker started by these tools is running');
  await stopPid(pid, 10_000, 'SIGKILL');
}

/**
 * For chaos tests: starts the broker these tools run again, on the data it left (after a
 * crash it recovers its logs first), and resolves with its pid once it answers.
 */
export async function restartLocalKafka(say: Say): Promise<number> {
  if (await isPortOpen(LOCAL_KAFKA_PORT))
    throw new Error(`something already listens on 127.0.0.1:${LOCAL_KAFKA_PORT}`);
  return startBroker(say, LOCAL_KAFKA_BROKERS);
}

/** Stops the broker the tools started (found by its pid file); a clean shutdown first. */
export async function stopKafka(say: Say): Promise<void> {
  const pid = readPidFile(KAFKA_PID_FILE);
  if (pid === undefined) return;
  await stopPid(pid, 30_000);
  rmSync(KAFKA_PID_FILE, { force: true });
  say('Kafka stopped');
}

/**
 * A KRaft cluster id: 16 random bytes in base64url, as `kafka-storage random-uuid` makes
 * them, and like Kafka never one starting with '-' (the storage tool would read it as an
 * option: "--cluster-id expected one argument", one fresh format in 64).
 */
export function newClusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * The topics tests and benchmarks make for themselves: every one is named under a prefix
 * of its own run (`test-<run>.`, `test.<what>-<id>`, `bench.<what>-<id>`) and is of no
 * use once that run is over.
 */
export const THROWAWAY_TOPIC = /^(test[-.]|bench\.)/;

const DELETE_CHUNK = 200;

/**
 * Deletes the throwaway topics earlier runs left on the tools' own broker, so it does
 * not carry thousands of dead partitions (slower starts, bigger metadata). Nothing else
 * is touched: the stack's own topics keep their data.
 */
export async function deleteThrowawayTopics(brokers: readonly string[], say: Say): Promise<void> {
  const admin = new Kafka({
    clientId: 'tools-cleanup',
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const leftovers = (await admin.listTopics()).filter((name) => THROWAWAY_TOPIC.test(name));
    if (leftovers.length === 0) return;
    for (let start = 0; start < leftovers.length; start += DELETE_CHUNK) {
      await admin.deleteTopics({
        topics: leftovers.slice(start, start + DELETE_CHUNK),
        timeout: 30_000,
      });
    }
    say(`deleted ${leftovers.length} topics earlier test and benchmark runs left behind`);
  } finally {
    await admin.disconnect();
  }
}
