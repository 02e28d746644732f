import { eventually } from '@scale-chat/wait';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EDGE_PORT } from '@scale-chat/contracts';
import * as infra from '@scale-chat/tools/infra';
import { Client } from 'pg';

export const EDGE = `http://127.0.0.1:${EDGE_PORT}`;
const RUN = join(infra.REPO_ROOT, 'tools', 'run.js');

const say = infra.sayAs('web-e2e');

async function sql(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * The local stack of `npm start` as real processes (auth, the orchestrator, two gateways,
 * log-consumer, nginx serving dist/apps/web on the fixed ports of API.md), started by the
 * test itself; one gateway instance can be killed and started again. Its data are its own:
 * a fresh database and Kafka topics under a prefix of this run, on the shared PostgreSQL
 * and broker (started here if they are not up), so no earlier run or other work in the
 * shared database changes what the browser sees.
 */
export class LocalStack {
  private restarted: infra.ManagedProcess[] = [];

  private constructor(
    private readonly stack: ChildProcess,
    private readonly env: NodeJS.ProcessEnv,
    private readonly database: { readonly server: string; readonly name: string },
    private readonly infrastructure: readonly infra.InfraHandle[],
  ) {}

  /** `settings`: environment for every service (the restarted gateway too). */
  static async start(settings: NodeJS.ProcessEnv = {}): Promise<LocalStack> {
    if (!existsSync(join(infra.REPO_ROOT, 'dist', 'apps', 'web', 'index.html')))
      throw new Error('dist/apps/web is not built: npx nx build web');
    const ports = [EDGE_PORT, ...infra.localInstances().map((instance) => instance.port)];
    const open = await Promise.all(ports.map((port) => infra.isPortOpen(port)));
    if (open.some(Boolean)) throw new Error(`ports ${ports.join(', ')} must be free for this test`);
    const [kafka, postgres] = await Promise.all([
      infra.ensureKafka(say),
      infra.ensurePostgres(say),
    ]);
    const run = randomBytes(4).toString('hex');
    const database = { server: postgres.url, name: `web_e2e_${run}` };
    await sql(postgres.url, `CREATE DATABASE "${database.name}"`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: Object.assign(new URL(postgres.url), {
        pathname: `/${database.name}`,
      }).toString(),
      KAFKA_TOPIC_PREFIX: `test-w${run}.`,
      SOCKET_IO_TOPIC: `test-w${run}.socketio`,
      // A killed gateway's partitions move on after 6 s (the broker's minimum).
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      ADMIN_USERNAMES: 'admin',
      ...settings,
    };
    const child = spawn(process.execPath, [RUN, 'stack'], {
      cwd: infra.REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Everything the stack prints (every service's log lines) goes to a file.
    mkdirSync(join(infra.CACHE_DIR, 'test-logs'), { recursive: true });
    const log = createWriteStream(join(infra.CACHE_DIR, 'test-logs', 'web-e2e-stack.log'));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const stack = new LocalStack(child, env, database, [kafka, postgres]);
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
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/\[stack\] ready in/.test(output)) {
          clearTimeout(timer);
          this.stack.stdout?.off('data', onData);
          resolve();
        }
      };
      this.stack.stdout?.on('data', onData);
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
    await eventually(gateway.label, () => infra.isHealthy(gateway.healthUrl), {
      timeoutMs: 60_000,
      failed: replacement.exitReason,
    });
  }

  /** Stops it as a user would (SIGINT), killing it only if that hangs. */
  async stop(): Promise<void> {
    await Promise.all(this.restarted.map((process) => process.stop(15_000)));
    if (this.stack.exitCode === null) {
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
    await this.dropDatabase();
    await Promise.all(
      this.infrastructure.filter((handle) => handle.startedHere).map((handle) => handle.stop()),
    );
  }

  /** DROP ... WITH (FORCE); an autovacuum worker still on it is waited out. */
  private async dropDatabase(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await sql(
          this.database.server,
          `DROP DATABASE IF EXISTS "${this.database.name}" WITH (FORCE)`,
        );
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await infra.sleep(500);
      }
    }
  }
}
