import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { SERVICE_NAMES, SERVICES } from '@scale-chat/contracts';
import { CACHE_DIR, freePort, postgresBinDir, postgresRunAs, REPO_ROOT, run } from './infra';

const DIR = join(CACHE_DIR, 'compose-databases-test');
const DATA = join(DIR, 'data');
const SOCKETS = join(DIR, 'run');
const SCRIPT = join(REPO_ROOT, 'deploy', 'postgres', 'create-service-databases.sh');
/** The database and role of each service in docker-compose.yml: its schema's name. */
const roles = SERVICE_NAMES.map((service) => SERVICES[service].schema);
const passwordOf = (role: string) => `test-only-${role}`;

/**
 * deploy/postgres/create-service-databases.sh, run as the postgres image runs it (psql as
 * the superuser over the local socket), against a throwaway PostgreSQL cluster of its own.
 */
describe('the per-service databases of docker-compose.yml', () => {
  let port = 0;
  const owner = postgresRunAs();
  const pgCtl = (args: readonly string[]) =>
    run(join(postgresBinDir(), 'pg_ctl'), ['-D', DATA, ...args], { ...owner });
  const connect = async (role: string, database: string) => {
    const client = new Client({
      host: '127.0.0.1',
      port,
      user: role,
      password: passwordOf(role),
      database,
    });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(SOCKETS, { recursive: true });
    if (owner !== undefined) await run('chown', ['-R', `${owner.uid}:${owner.gid}`, DIR]);
    await run(
      join(postgresBinDir(), 'initdb'),
      ['-D', DATA, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256'],
      { ...owner },
    );
    port = await freePort();
    await pgCtl([
      '-w',
      '-l',
      join(DIR, 'postgres.log'),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${SOCKETS} -c fsync=off`,
      'start',
    ]);
    await run('sh', [SCRIPT], {
      ...owner,
      env: {
        PATH: `${postgresBinDir()}:${process.env['PATH'] ?? ''}`,
        PGHOST: SOCKETS,
        PGPORT: String(port),
        POSTGRES_USER: 'postgres',
        ...Object.fromEntries(
          roles.map((role) => [`${role.toUpperCase()}_DB_PASSWORD`, passwordOf(role)]),
        ),
      },
    });
  }, 60_000);

  afterAll(async () => {
    await pgCtl(['-m', 'immediate', '-w', 'stop']);
    rmSync(DIR, { recursive: true, force: true });
  });

  it.each(roles)(
    'lets %s into its own database, where it may create its schema (as migrations do)',
    async (role) => {
      const client = await connect(role, role);
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${role}"`);
        await client.query(`CREATE TABLE "${role}".probe (id int)`);
        const { rows } = await client.query<{ owner: string }>(
          'SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = $1',
          [role],
        );
        expect(rows).toEqual([{ owner: role }]);
      } finally {
        await client.end();
      }
    },
  );

  it.each(roles)("keeps %s out of every other service's database", async (role) => {
    for (const other of roles.filter((candidate) => candidate !== role)) {
      await expect(connect(role, other)).rejects.toThrow(
        `permission denied for database "${other}"`,
      );
    }
  });

  it('makes no role a superuser or able to create roles or databases', async () => {
    const client = await connect(roles[0] ?? '', roles[0] ?? '');
    try {
      const { rows } = await client.query<{ rolname: string }>(
        'SELECT rolname FROM pg_roles WHERE rolname = ANY($1) AND (rolsuper OR rolcreaterole OR rolcreatedb)',
        [roles],
      );
      expect(rows).toEqual([]);
    } finally {
      await client.end();
    }
  });
});
