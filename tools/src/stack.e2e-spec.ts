import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessTokenSigner, signingKeyFromPem } from '@scale-chat/access-tokens';
import { io as connect } from 'socket.io-client';
import { EDGE_PORT, SERVICE_NAMES, SERVICES } from '@scale-chat/contracts';
import { isPortOpen, localInstances, REPO_ROOT } from './infra';

const RUN = join(REPO_ROOT, 'tools', 'run.js');
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

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm start (the whole stack as real processes)', () => {
  let stack: ChildProcess;

  beforeAll(async () => {
    const open = await Promise.all(stackPorts.map((port) => isPortOpen(port)));
    if (open.some(Boolean))
      throw new Error(`ports ${stackPorts.join(', ')} must be free for this test`);
    stack = spawn(process.execPath, [RUN, 'stack'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForOutput(stack, /\[stack\] ready in/, 150_000);
  }, 160_000);

  afterAll(async () => {
    if (stack.exitCode === null) {
      stack.kill('SIGKILL');
      await exitOf(stack);
    }
  });

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
    const key = await signingKeyFromPem(
      readFileSync(join(REPO_ROOT, '.cache', 'keys', 'access-token-signing-key.pem'), 'utf8'),
    );
    const token = await new AccessTokenSigner(key).sign({
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

  it('says so when started a second time', () => {
    const second = spawnSync(process.execPath, [RUN, 'stack'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.stdout).toContain('the stack is already up');
    expect(second.status).toBe(0);
  });

  it('stops everything it started on SIGINT and exits 0', async () => {
    stack.kill('SIGINT');
    expect(await exitOf(stack)).toBe(0);
    const open = await Promise.all(stackPorts.map((port) => isPortOpen(port)));
    expect(open).toEqual(stackPorts.map(() => false));
  }, 60_000);
});
