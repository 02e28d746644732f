import { eventually } from '@scale-chat/wait';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessTokenSigner, signingKeyFromPem } from '@scale-chat/access-tokens';
import { io as connect } from 'socket.io-client';
import {
  EDGE_PORT,
  LOCAL_DATABASE_URL,
  LOCAL_KAFKA_BROKERS,
  SERVICE_NAMES,
  SERVICES,
  SOCKET_IO_TOPIC as SOCKET_IO_TOPIC_SPEC,
  type ServiceName,
} from '@scale-chat/contracts';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { parse } from 'yaml';
import { Client } from 'pg';
import {
  findInstance,
  isHealthy,
  isPortOpen,
  localInstances,
  REPO_ROOT,
  serviceCommand,
  startManaged,
  type ManagedProcess,
} from './infra';
import {
  edgeChecksKillingInstanceOne,
  edgeChecksWithBothInstances,
  edgeRateLimitCheck,
} from './edge-checks';
import { dashboardMetricsCheck } from './observability';

const RUN = join(REPO_ROOT, 'tools', 'run.js');
/** The local stack's Socket.IO topic, as the contracts declare it (SOCKET_IO_TOPIC unset). */
const SOCKET_IO_TOPIC = SOCKET_IO_TOPIC_SPEC.name;
const stackPorts = [EDGE_PORT, ...localInstances().map((instance) => instance.port)];

/** Resolves with everything printed once `pattern` shows up, rejects if the process ends first. */
function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`stack exited with ${code} before ${pattern}:\n${output}`));
    });
  });
}

function count(values: readonly (number | string)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** What a terminal's Ctrl-C does: SIGINT to every process of the foreground group. */
function ctrlC(child: ChildProcess): void {
  if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGINT');
}

/** Everything `child` writes from now on, as read so far. */
function collectOutput(child: ChildProcess): () => string {
  let text = '';
  const add = (chunk: Buffer) => (text += chunk.toString());
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => text;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start (the whole stack as real processes)', () => {
  let stack: ChildProcess;
  /** Users and a room the edge checks make and share. */
  const edgeFixture = { users: [], roomId: '' };

  beforeAll(async () => {
    const open = await Promise.all(stackPorts.map((port) => isPortOpen(port)));
    if (open.some(Boolean))
      throw new Error(`ports ${stackPorts.join(', ')} must be free for this test`);
    // The README's command itself: npm runs the script in a shell, and a signal npm gets
    // must reach the stack through it (package.json's `exec`).
    stack = spawn('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      // A process group of its own, as a terminal's foreground job: Ctrl-C signals it whole.
      detached: true,
      // 50 signups from one address in a minute are a test here, not an attack.
      env: { ...process.env, SIGNUP_RATE_LIMIT_PER_MINUTE: '1000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForOutput(stack, /\[stack\] ready in/, 150_000);
  }, 160_000);

  afterAll(async () => {
    if (stack.exitCode !== null) return;
    // Stopped as a user would, so the stack stops what it started; killed only if that hangs.
    ctrlC(stack);
    const stopped = await Promise.race([
      exitOf(stack),
      new Promise((resolve) => setTimeout(() => resolve('hung'), 30_000)),
    ]);
    if (stopped === 'hung') stack.kill('SIGKILL');
  }, 40_000);

  it.each(SERVICE_NAMES.map((name) => [SERVICES[name].edgeHealthPath]))(
    'answers %s through the edge with 200',
    async (path) => {
      const response = await fetch(`http://127.0.0.1:${EDGE_PORT}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    },
  );

  it('answers each instance on its own port', async () => {
    for (const instance of localInstances()) {
      expect((await fetch(instance.healthUrl)).status).toBe(200);
    }
  });

  it('answers the API through the edge in the error shape of API.md', async () => {
    const jwks = await fetch(`http://127.0.0.1:${EDGE_PORT}/api/auth/jwks`);
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
    const login = await fetch(`http://127.0.0.1:${EDGE_PORT}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nobody', password: 'nothing at all' }),
    });
    expect(login.status).toBe(401);
    expect(await login.json()).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid username or password',
    });
  });

  it('serves the OpenAPI documents of auth and chat-gateway through the edge', async () => {
    const paths = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${EDGE_PORT}${path}`);
      expect(response.status).toBe(200);
      return Object.keys(((await response.json()) as { paths: object }).paths);
    };
    expect(await paths('/api/auth/docs/openapi.json')).toContain('/api/auth/login');
    expect(await paths('/api/rooms/docs/openapi.json')).toEqual(
      expect.arrayContaining([
        '/api/rooms',
        '/api/rooms/{id}',
        '/api/rooms/{id}/members',
        '/api/rooms/{id}/members/{userId}',
        '/api/rooms/{id}/messages',
        '/api/rooms/{id}/read',
        '/api/rooms/direct',
        '/api/messages/search',
      ]),
    );
  });

  it('upgrades Socket.IO through the edge and authenticates the handshake', async () => {
    const handshake = (auth: Record<string, string>) =>
      new Promise<string>((resolve) => {
        const socket = connect(`http://127.0.0.1:${EDGE_PORT}`, {
          transports: ['websocket'],
          forceNew: true,
          reconnection: false,
          auth,
        });
        socket.once('connect', () => {
          socket.disconnect();
          resolve('connected');
        });
        socket.once('connect_error', (error) => resolve(error.message));
      });
    expect(await handshake({})).toBe('unauthorized');
    // The development key the stack's auth generated and signs with.
    const key = signingKeyFromPem(
      readFileSync(join(REPO_ROOT, '.cache', 'keys', 'access-token-signing-key-es256.pem'), 'utf8'),
    );
    const token = await AccessTokenSigner.forKey(key).sign({
      userId: randomUUID(),
      username: 'e2e',
      familyId: randomUUID(),
    });
    expect(await handshake({ token })).toBe('connected');
  });

  it('signs up (201) and deletes the account (202, then logins get 401) through the edge, each a saga across the services', async () => {
    const username = `e2e_${randomUUID().slice(0, 8)}`;
    const post = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${EDGE_PORT}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const signup = await post('/api/auth/signup', { username, password: 'long enough' });
    expect(signup.status).toBe(201);
    expect(await signup.json()).toMatchObject({ username, status: 'active' });
    const login = await post('/api/auth/login', { username, password: 'long enough' });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const me = await fetch(`http://127.0.0.1:${EDGE_PORT}/api/users/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(await me.json()).toMatchObject({ username, status: 'active' });

    // Account deletion: a saga again, through chat and back to auth; then the account is gone.
    const deletion = await fetch(`http://127.0.0.1:${EDGE_PORT}/api/users/me`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(deletion.status).toBe(202);
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await post('/api/auth/login', { username, password: 'long enough' })).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(401);
  });

  it("joins the consumer groups, reading the topics, that the chart's Kafka ACLs give each service, and no others", async () => {
    // One map makes each service's ACLs (deploy/helm/scale-chat/files/kafka-access.yaml);
    // a group or topic the code uses that it lacks is refused by a broker with ACLs.
    const access = parse(
      readFileSync(join(REPO_ROOT, 'deploy/helm/scale-chat/files/kafka-access.yaml'), 'utf8'),
    ) as Record<ServiceName, { groups?: Record<string, string[]>; socketIo?: boolean }>;
    const kafka = new Kafka({
      clientId: 'stack-e2e',
      brokers: process.env['KAFKA_BROKERS']?.split(',') ?? [...LOCAL_KAFKA_BROKERS],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ours = (id: string) =>
        SERVICE_NAMES.some((name) => id.startsWith(`${name}.`)) ||
        id.startsWith(`${SOCKET_IO_TOPIC}-`);
      const { groups } = await admin.listGroups();
      const described = await admin.describeGroups(
        groups.map(({ groupId }) => groupId).filter(ours),
      );
      // Groups with members now: a stopped stack's groups stay, empty, for a while.
      const joined = described.groups
        .filter(({ state }) => state === 'Stable')
        .map(({ groupId, members }) => ({
          group: groupId,
          topics: [
            ...new Set(
              members.flatMap(
                ({ memberMetadata }) =>
                  AssignerProtocol.MemberMetadata.decode(memberMetadata)?.topics ?? [],
              ),
            ),
          ].sort(),
        }));
      const granted = SERVICE_NAMES.flatMap((service) =>
        Object.entries(access[service].groups ?? {}).map(([name, topics]) => ({
          group: `${service}.${name}`,
          topics: [...topics].sort(),
        })),
      );
      const byGroup = (a: { group: string }, b: { group: string }) =>
        a.group.localeCompare(b.group);
      expect(
        joined.filter(({ group }) => !group.startsWith(SOCKET_IO_TOPIC)).sort(byGroup),
      ).toEqual(granted.sort(byGroup));
      // The gateways' adapter: a group of each instance's own, reading the Socket.IO topic.
      const adapters = joined.filter(({ group }) => group.startsWith(SOCKET_IO_TOPIC));
      expect(adapters.map(({ topics }) => topics)).toEqual([[SOCKET_IO_TOPIC], [SOCKET_IO_TOPIC]]);
      expect(SERVICE_NAMES.filter((service) => access[service].socketIo === true)).toEqual([
        'chat-gateway',
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('says so when started a second time', () => {
    const second = spawnSync(process.execPath, [RUN, 'stack'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.stdout).toContain('the stack is already up');
    expect(second.status).toBe(0);
  });

  edgeChecksWithBothInstances(edgeFixture);
  dashboardMetricsCheck();

  it('finishes every one of 50 concurrent signups, active or compensated, when the orchestrator is killed (SIGKILL) and restarted', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${EDGE_PORT}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const names = Array.from(
      { length: 50 },
      (_, index) => `crash_${index}_${randomUUID().slice(0, 6)}`,
    );
    const db = new Client({ connectionString: process.env['DATABASE_URL'] ?? LOCAL_DATABASE_URL });
    await db.connect();
    const signups = Promise.all(
      names.map((username) => post('/api/auth/signup', { username, password: 'long enough' })),
    );
    let replacement: ManagedProcess | undefined;
    try {
      // Killed mid-saga: once one of these users is stored pending, its saga under way.
      await eventually(
        'a signup saga in flight',
        async () =>
          (
            await db.query(
              `SELECT 1 FROM "auth"."users" WHERE "username" = ANY($1) AND "status" = 'pending'`,
              [names],
            )
          ).rows.length > 0,
        { timeoutMs: 60_000, intervalMs: 20 },
      );
      // The process on the stack's orchestrator port, not any orchestrator on the machine.
      const orchestrator = findInstance('saga-orchestrator');
      const listing = spawnSync('ss', ['-ltnpH', `sport = :${orchestrator.port}`], {
        encoding: 'utf8',
      }).stdout;
      const pid = Number(/pid=(\d+)/.exec(listing)?.[1]);
      expect(pid).toBeGreaterThan(0);
      process.kill(pid, 'SIGKILL');
      await eventually(
        'the killed orchestrator off its port',
        async () => !(await isPortOpen(orchestrator.port)),
        30_000,
      );

      const { command, args, env } = serviceCommand(orchestrator, {
        ...process.env,
        LOG_LEVEL: 'warn',
      });
      const restarted = startManaged('saga-orchestrator-restarted', command, args, {
        env,
        cwd: REPO_ROOT,
      });
      replacement = restarted;
      await eventually('the restarted orchestrator', () => isHealthy(orchestrator.healthUrl), {
        timeoutMs: 60_000,
        failed: restarted.exitReason,
      });
      const statuses = (await signups).map((response) => response.status);
      expect(
        statuses.filter((status) => status !== 201 && status !== 202 && status !== 503),
      ).toEqual([]);

      // Each ends active or compensated (its pending user discarded: no row), none pending.
      const statusesNow = async () => {
        const { rows } = await db.query<{ username: string; status: string }>(
          'SELECT "username", "status" FROM "auth"."users" WHERE "username" = ANY($1)',
          [names],
        );
        const found = new Map(rows.map((row) => [row.username, row.status]));
        return names.map((username) => found.get(username) ?? 'no row');
      };
      const deadline = Date.now() + 60_000;
      let outcomes = await statusesNow();
      while (outcomes.includes('pending') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        outcomes = await statusesNow();
      }
      process.stdout.write(
        `50 signups around an orchestrator SIGKILL: answers ${JSON.stringify(count(statuses))}, ends ${JSON.stringify(count(outcomes))}\n`,
      );
      expect(outcomes.filter((status) => status !== 'active' && status !== 'no row')).toEqual([]);
      // Only a signup answered 503 was undone: one told 201 or 202 has its user.
      expect(
        names.filter((_, index) => statuses[index] !== 503 && outcomes[index] === 'no row'),
      ).toEqual([]);
    } finally {
      await signups.catch(() => undefined);
      await replacement?.stop(15_000);
      await db.end();
    }
  }, 180_000);

  // These two leave the stack with one gateway instance and an empty /api/auth/ rate bucket.
  edgeChecksKillingInstanceOne(edgeFixture);

  it('names the instance that is down, and how to run it, when started a second time without it', () => {
    const second = spawnSync(process.execPath, [RUN, 'stack'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    // The orchestrator killed and replaced above is gone too.
    const gateway = findInstance('chat-gateway', 1);
    expect(second.stdout).toMatch(
      new RegExp(
        `the stack is up \\(edge at .*\\) without .*${gateway.label}.*; nothing was started`,
      ),
    );
    expect(second.stdout).toContain('node tools/run.js serve chat-gateway 1');
    expect(second.status).toBe(1);
  });

  edgeRateLimitCheck();

  it('stops everything it started on Ctrl-C, which reaches the stack twice (from the terminal and from npm)', async () => {
    const output = collectOutput(stack);
    ctrlC(stack);
    await waitForOutput(stack, /\[stack\] SIGINT: stopping/, 10_000);
    ctrlC(stack); // pressed again while it stops
    await exitOf(stack);
    expect(output()).toMatch(/\[stack\] stopped/);
    const open = await Promise.all(stackPorts.map((port) => isPortOpen(port)));
    expect(open).toEqual(stackPorts.map(() => false));
  }, 60_000);
});
