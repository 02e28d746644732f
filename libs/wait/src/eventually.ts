const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface WaitOptions {
  /** How long to wait before giving up (default 15 s: room for a busy machine). */
  readonly timeoutMs?: number;
  /** How often to look (default 50 ms). */
  readonly intervalMs?: number;
  /**
   * Asked on every round: a reason ends the wait at once (a process that died while we
   * waited for it to answer, say).
   */
  readonly failed?: () => string | undefined;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_INTERVAL_MS = 50;

/**
 * Looks at `read` until `done` holds for what it returns, and returns that; gives up after
 * the timeout with an error naming `what` and the last value seen. The one way the
 * workspace waits for a condition (tests never sleep to synchronise).
 */
export async function eventuallyValue<T>(
  what: string,
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  options: number | WaitOptions = {},
): Promise<T> {
  const {
    timeoutMs = DEFAULT_TIMEOUT_MS,
    intervalMs = DEFAULT_INTERVAL_MS,
    failed,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = failed?.();
    if (failure !== undefined) throw new Error(`${what}: ${failure}`);
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready after ${timeoutMs} ms (last seen: ${describe(value)})`);
    await sleep(intervalMs);
  }
}

/** Waits until `check` holds (see `eventuallyValue`); `options` may be just the timeout. */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  options: number | WaitOptions = {},
): Promise<void> {
  await eventuallyValue(what, check, (holds) => holds, options);
}

function describe(value: unknown): string {
  if (typeof value === 'boolean') return String(value);
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
