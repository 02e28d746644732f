import type { Logger } from 'pino';

/** The pause before an event is tried again, doubling from the first to the last. */
const RETRY_PAUSE_MIN_MS = 200;
const RETRY_PAUSE_MAX_MS = 3_000;
/** A failure tried again is a warning at most this often (at debug level in between). */
const RETRY_WARN_INTERVAL_MS = 60_000;

/** Why a record is to be tried again, and what to log of it. */
export interface Failure {
  readonly error: unknown;
  readonly message: string;
  readonly fields?: Record<string, unknown>;
}

/**
 * How a consumer (`EventConsumer`) tries a record again until it is done with, without
 * ever leaving its group over it; `stop` ends every pause at once.
 */
export class RetryLoop {
  private stopped = false;
  /** Pauses before a retry, ended early when the consumer stops. */
  private readonly stopWaiters = new Set<() => void>();

  constructor(
    private readonly logger: Logger,
    /** The consumer group, as every line says it. */
    private readonly consumer: string,
  ) {}

  /** Ends every pause now and the loops after it: the record is left to the group. */
  stop(): void {
    this.stopped = true;
    for (const wake of this.stopWaiters) wake();
  }

  /**
   * Calls `tryOnce` until it answers done (undefined), pausing between tries (200 ms
   * doubling to `RETRY_PAUSE_MAX_MS`, give or take a fifth so instances do not try in
   * step) and sending the group a heartbeat after each pause: a rebalance under way throws
   * there, and whoever gets the partition reads the record again. Never by throwing to
   * kafkajs: it gives up at once on a `TypeError` (any handler's bug), leaving the group
   * for good, and counts every throw against one budget of retries that only a rebalance
   * resets, each wait longer, the last a crash and a rebalance. Only a consumer that is
   * stopping throws, leaving the record uncommitted for the group. While it waits, the
   * consumer's other partitions led by the same broker wait too (kafkajs fetches from a
   * broker again once every batch of its last fetch is done).
   *
   * A failure is logged as a warning the first time and then at most once a minute (with
   * how many tries and for how long), at debug level in between: a database away for an
   * hour must not write a line every few seconds for every partition.
   */
  async untilDone(
    heartbeat: () => Promise<void>,
    event: { readonly eventId: string | null; readonly type: string | null },
    tryOnce: () => Promise<Failure | undefined>,
  ): Promise<void> {
    const since = Date.now();
    let warnedAt = 0;
    for (let tries = 1, pause = RETRY_PAUSE_MIN_MS; ; tries += 1) {
      const failure = await tryOnce();
      if (failure === undefined) return;
      const now = Date.now();
      const level = now - warnedAt >= RETRY_WARN_INTERVAL_MS ? 'warn' : 'debug';
      if (level === 'warn') warnedAt = now;
      this.logger[level](
        {
          err: failure.error,
          consumer: this.consumer,
          ...event,
          ...failure.fields,
          tries,
          failingForMs: now - since,
        },
        failure.message,
      );
      await this.pauseUnlessStopping(pause * (0.8 + Math.random() * 0.4));
      if (this.stopped)
        throw new Error('the consumer is stopping; the record is left to the group', {
          cause: failure.error,
        });
      await heartbeat();
      pause = Math.min(pause * 2, RETRY_PAUSE_MAX_MS);
    }
  }

  /** Waits `ms`, or less if the consumer stops meanwhile. */
  private pauseUnlessStopping(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stopWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.stopWaiters.add(done);
    });
  }
}
