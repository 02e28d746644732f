import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Ports this process has handed out. The kernel may give a port it has just released to
 * the next `listen(0)` again: two services told the same port meet only when the second
 * binds it (a CI run gave a test cluster's gateway auth's port, and its health check then
 * asked auth).
 */
const handedOut = new Set<number>();

/**
 * Where `freePort` looks: below the kernel's ephemeral range. A port from that range is
 * what every outgoing connection (to Kafka, to PostgreSQL) is given too, so one picked
 * there could be taken by a connection between the pick and the service's bind (a CI run
 * saw a test cluster's orchestrator fail with EADDRINUSE so).
 */
const PICK_FROM = 20_000;

/** A TCP port of 127.0.0.1 that nothing listens on now, and not handed out before. */
export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  for (let attempt = 0; ; attempt += 1) {
    // Where the ephemeral range starts too low to leave room, or after many tries taken,
    // the kernel picks (port 0).
    const pick =
      below - PICK_FROM >= 1_000 && attempt < 100
        ? PICK_FROM + Math.floor(Math.random() * (below - PICK_FROM))
        : 0;
    const port = await listenable(pick);
    if (port === undefined && pick === 0) throw new Error('127.0.0.1 has no port to listen on');
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

/** The first port of `net.ipv4.ip_local_port_range` (Linux), else IANA's 49152. */
export function ephemeralRangeStart(): number {
  let range: string;
  try {
    range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
  } catch {
    // Not Linux: the range IANA sets aside, which macOS and Windows use.
    return 49_152;
  }
  const start = Number(range.trim().split(/\s+/)[0]);
  return Number.isInteger(start) && start > 0 ? start : 49_152;
}

/** The port 127.0.0.1 listened on for a moment (`port`, or the kernel's pick for 0); undefined if it could not. */
function listenable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : undefined),
      );
    });
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; a non-zero exit rejects with its output. */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} exited with ${code ?? signal}:\n${(stderr || stdout).trim()}`,
          ),
        );
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; ESRCH: it is gone.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal`, waits for the process to go, and kills it for good after `timeoutMs`. */
export async function stopPid(
  pid: number,
  timeoutMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await sleep(200);
      return;
    }
    await sleep(100);
  }
}

export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/** The last `lines` lines of a log file, to explain why something did not start. */
export function tail(path: string, lines = 20): string {
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** A process listening on a port, as `ss` names it, with its command line when readable. */
export interface PortHolder {
  readonly pid: number;
  readonly command: string;
}

/**
 * The processes listening on 127.0.0.1:`port` (or any address), from `ss -ltnp`; empty
 * when nothing does or `ss` cannot say (not installed, or another user's process).
 */
export function holdersOf(port: number): PortHolder[] {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  if (result.status !== 0) return [];
  return pidsInSsOutput(result.stdout).map((pid) => ({ pid, command: commandLineOf(pid) }));
}

/** The pids `ss -p` names (`users:(("node",pid=123,fd=20))`), each once. */
export function pidsInSsOutput(output: string): number[] {
  return [...new Set([...output.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1])))];
}

function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch (error) {
    // Gone since `ss` saw it, or not ours to read: the pid alone still says who it was.
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'EACCES'
    )
      return '';
    throw error;
  }
}

/** "port 3012 (pid 123: node … serve chat-gateway 2)" for each holder of each port. */
export function describeHolders(ports: readonly number[]): string {
  return ports
    .map((port) => {
      const holders = holdersOf(port);
      if (holders.length === 0) return `port ${port}`;
      const who = holders.map(({ pid, command }) =>
        command === '' ? `pid ${pid}` : `pid ${pid}: ${command}`,
      );
      return `port ${port} (${who.join('; ')})`;
    })
    .join(', ');
}
