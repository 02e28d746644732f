import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
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
