import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EDGE_PORT } from '@scale-chat/contracts';
import * as infra from '@scale-chat/tools/infra';

export const EDGE = `http://127.0.0.1:${EDGE_PORT}`;
const RUN = join(infra.REPO_ROOT, 'tools', 'run.js');

/**
 * The local stack of `npm start` as real processes (Kafka, PostgreSQL, auth, the
 * orchestrator, two gateways, log-consumer, nginx serving dist/apps/web), started by
 * the test itself; one gateway instance can be killed and started again.
 */
export class LocalStack {
  private restarted: infra.ManagedProcess[] = [];

  private constructor(
    private readonly stack: ChildProcess,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** `settings`: environment for every service (the restarted gateway too). */
  static async start(settings: NodeJS.ProcessEnv = {}): Promise<LocalStack> {
    if (!existsSync(join(infra.REPO_ROOT, 'dist', 'apps', 'web', 'index.html')))
      throw new Error('dist/apps/web is not built: npx nx build web');
    const ports = [EDGE_PORT, ...infra.localInstances().map((instance) => instance.port)];
    const open = await Promise.all(ports.map((port) => infra.isPortOpen(port)));
    if (open.some(Boolean)) throw new Error(`ports ${ports.join(', ')} must be free for this test`);
    const env = { ...process.env, ...settings };
    const child = spawn(process.execPath, [RUN, 'stack'], {
      cwd: infra.REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stack = new LocalStack(child, env);
    await stack.waitForReady(150_000);
    return stack;
  }

  private waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`the stack was not ready within ${timeoutMs} ms:\n${output}`)),
        timeoutMs,
      );
      this.stack.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (/\[stack\] ready in/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      this.stack.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the stack exited with ${code} before it was ready:\n${output}`));
      });
    });
  }

  /** SIGKILL to the process listening on the port of chat-gateway instance `instance`. */
  killGateway(instance: number): void {
    const { port } = infra.findInstance('chat-gateway', instance);
    const listing = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
    const pid = Number(/pid=(\d+)/.exec(listing)?.[1]);
    if (!(pid > 0)) throw new Error(`no process listens on ${port}: ${listing}`);
    process.kill(pid, 'SIGKILL');
  }

  /** Starts chat-gateway instance `instance` again (same port and id); resolves once healthy. */
  async restartGateway(instance: number): Promise<void> {
    const gateway = infra.findInstance('chat-gateway', instance);
    const { command, args, env } = infra.serviceCommand(gateway, {
      ...this.env,
      LOG_LEVEL: 'warn',
    });
    const replacement = infra.startManaged(`${gateway.label}-restarted`, command, args, {
      env,
      cwd: infra.REPO_ROOT,
    });
    this.restarted.push(replacement);
    await infra.waitUntil(gateway.label, () => infra.isHealthy(gateway.healthUrl), {
      timeoutMs: 60_000,
      failed: replacement.exitReason,
    });
  }

  /** Stops it as a user would (SIGINT), killing it only if that hangs. */
  async stop(): Promise<void> {
    await Promise.all(this.restarted.map((process) => process.stop(15_000)));
    if (this.stack.exitCode !== null) return;
    const exited = new Promise((resolve) => this.stack.once('exit', resolve));
    this.stack.kill('SIGINT');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      exited,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('hung'), 30_000);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === 'hung') this.stack.kill('SIGKILL');
  }
}
