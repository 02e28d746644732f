import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_DATABASE_URL, LOCAL_POSTGRES_PORT } from '@scale-chat/contracts';
import { Client } from 'pg';
import { alreadyRunning, type InfraHandle } from './handle';
import type { Say } from './log';
import { CACHE_DIR } from './paths';
import { run } from './processes';

const LOCAL = new URL(LOCAL_DATABASE_URL);
const ROLE = LOCAL.username;
const PASSWORD = LOCAL.password;
const DATABASE = LOCAL.pathname.slice(1);

const PG_DIR = join(CACHE_DIR, 'postgres');
const SOCKET_DIR = join(PG_DIR, 'run');

/** Debian's PostgreSQL binaries, newest major version first. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error(
      'PostgreSQL is not installed: apt-get install postgresql (or set DATABASE_URL)',
    );
  }
  return join(root, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root; then its own `postgres` user runs it. */
export function postgresRunAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

/**
 * pg_ctl, in a process group of its own, as is the server it starts: Ctrl-C in the
 * terminal of `npm start` signals its whole group, and must neither shut PostgreSQL down
 * under the services still stopping nor cut short the stop that follows.
 */
async function pgCtl(args: readonly string[], dataDir: string): Promise<void> {
  await run(join(postgresBinDir(), 'pg_ctl'), ['-D', dataDir, ...args], {
    ...postgresRunAs(),
    detached: true,
  });
}

/** Creates the cluster once: the `chat` role (with CREATEDB, for test databases) and database. */
async function initCluster(dataDir: string, say: Say): Promise<void> {
  say('creating the local PostgreSQL cluster (first run only)');
  const owner = postgresRunAs();
  for (const dir of [PG_DIR, SOCKET_DIR]) {
    mkdirSync(dir, { recursive: true });
    if (owner !== undefined) chownSync(dir, owner.uid, owner.gid);
  }
  await run(
    join(postgresBinDir(), 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ],
    { ...owner },
  );
}

async function createRoleAndDatabase(): Promise<void> {
  // Local socket, trust authentication: the superuser needs no password here.
  const admin = new Client({
    host: SOCKET_DIR,
    port: LOCAL_POSTGRES_PORT,
    user: 'postgres',
    database: 'postgres',
  });
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLE]);
    if (role.rowCount === 0) {
      await admin.query(`CREATE ROLE ${ROLE} LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
    }
    const database = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (database.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * The PostgreSQL of the local stack and the tests. `DATABASE_URL` set by the user: that
 * is used and nothing starts. A server already answering on 127.0.0.1:5433 is reused.
 * Otherwise Debian's PostgreSQL runs a cluster kept in .cache/postgres.
 */
export async function ensurePostgres(say: Say): Promise<InfraHandle & { url: string }> {
  const given = process.env['DATABASE_URL'];
  if (given !== undefined && given.trim() !== '') {
    say('using DATABASE_URL');
    return alreadyRunning('postgres', { url: given });
  }
  if (await answers(LOCAL_DATABASE_URL)) {
    say(`reusing the PostgreSQL already on 127.0.0.1:${LOCAL_POSTGRES_PORT}`);
    return alreadyRunning('postgres', { url: LOCAL_DATABASE_URL });
  }
  const dataDir = join(PG_DIR, 'data');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster(dataDir, say);
  const started = Date.now();
  const settings = [
    `-p ${LOCAL_POSTGRES_PORT}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${SOCKET_DIR}`,
    '-c max_connections=300',
    // Durable against a crash of PostgreSQL itself (the WAL is still written before each
    // commit returns), not against one of the machine: right for a development cluster.
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  await pgCtl(
    ['-l', join(PG_DIR, 'postgres.log'), '-w', '-t', '60', '-o', settings, 'start'],
    dataDir,
  );
  await createRoleAndDatabase();
  say(`PostgreSQL ready on 127.0.0.1:${LOCAL_POSTGRES_PORT} in ${Date.now() - started} ms`);
  return {
    name: 'postgres',
    url: LOCAL_DATABASE_URL,
    startedHere: true,
    stop: () => stopPostgres(say),
  };
}

/** Stops the local cluster if it runs (a fast shutdown: sessions end, data is flushed). */
export async function stopPostgres(say: Say): Promise<void> {
  const dataDir = join(PG_DIR, 'data');
  if (!existsSync(join(dataDir, 'postmaster.pid'))) return;
  await pgCtl(['-m', 'fast', '-w', 'stop'], dataDir);
  say('PostgreSQL stopped');
}

/**
 * Restarts the local cluster the tools run (a fast shutdown: sessions are ended), for
 * the resilience suite; false when the database in use is not that cluster.
 */
export async function restartLocalPostgres(): Promise<boolean> {
  const dataDir = join(PG_DIR, 'data');
  const given = process.env['DATABASE_URL'];
  const ours = given === undefined || given === '' || given === LOCAL_DATABASE_URL;
  if (!ours || !existsSync(join(dataDir, 'postmaster.pid'))) return false;
  // restart reuses the server's options (postmaster.opts); its log goes where start's did.
  await pgCtl(
    ['-l', join(PG_DIR, 'postgres.log'), '-m', 'fast', '-w', '-t', '60', 'restart'],
    dataDir,
  );
  return true;
}
