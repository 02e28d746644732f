import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { isAlive, stopPid } from './processes';

export interface ManagedProcess {
  readonly label: string;
  readonly pid: number;
  /** Why it exited, once it has; undefined while it runs. */
  exitReason(): string | undefined;
  /** Resolves with why it exited, when it does. */
  readonly exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `timeoutMs`. */
  stop(timeoutMs: number): Promise<void>;
}

const COLORS = [36, 35, 33, 32, 34, 91, 96];

/**
 * Starts a long-running program whose output is shown line by line behind its label. It
 * runs in its own process group, so a Ctrl-C in the terminal reaches only the tools,
 * which then stop everything in order.
 */
export function startManaged(
  label: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; colorIndex?: number },
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const color = COLORS[(options.colorIndex ?? 0) % COLORS.length];
  const prefix = process.stdout.isTTY
    ? `\u001b[${color}m${label.padEnd(20)}\u001b[0m`
    : label.padEnd(20);
  const relay = (stream: Readable | null) => {
    if (stream === null) return;
    createInterface({ input: stream }).on('line', (line) =>
      process.stdout.write(`${prefix} ${line}\n`),
    );
  };
  relay(child.stdout);
  relay(child.stderr);

  let exitReason: string | undefined;
  let announceExit: (reason: string) => void = () => undefined;
  const exited = new Promise<string>((resolve) => {
    announceExit = resolve;
  });
  child.once('exit', (code, signal) => {
    exitReason = signal === null ? `exited with status ${code}` : `was ended by ${signal}`;
    announceExit(exitReason);
  });
  child.once('error', (error) => {
    exitReason = `could not start: ${error.message}`;
    announceExit(exitReason);
  });
  const pid = child.pid ?? -1;
  return {
    label,
    pid,
    exitReason: () => exitReason,
    exited,
    stop: async (timeoutMs) => {
      if (pid > 0 && isAlive(pid)) await stopPid(pid, timeoutMs);
    },
  };
}
