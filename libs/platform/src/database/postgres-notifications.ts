import {
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type QueryRunner } from 'typeorm';
import { isTransientDatabaseError } from './transient-error';

interface Notification {
  readonly channel: string;
  readonly payload?: string;
}

interface ListeningClient {
  on(event: 'notification', listener: (message: Notification) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const RECONNECT_MS = 1_000;

/**
 * PostgreSQL notifications for code that waits on a row to change (a signup on its
 * user's status, a room creation on its room's): `LISTEN` on one connection of its own,
 * and `next(channel, key)` resolves at the next notification of that payload. A lost
 * connection is opened again; waiters should still look again now and then (`next`
 * takes a timeout), so nothing depends on a notification arriving. Channels are named
 * from constructors (`listenTo`), before the application starts.
 */
@Injectable()
export class PostgresNotifications implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly channels = new Set<string>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private runner: QueryRunner | undefined;
  private stopped = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  listenTo(channel: string): void {
    if (!CHANNEL.test(channel)) throw new Error(`not a channel name: ${channel}`);
    this.channels.add(channel);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.channels.size > 0) await this.listen();
  }

  /** Before the data source closes (it does on application shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    const runner = this.runner;
    if (runner === undefined) return;
    await runner.query('UNLISTEN *');
    await runner.release();
  }

  /**
   * A wait for the next notification on `channel` with payload `key`, or `timeoutMs`;
   * `cancel` ends it early (its timer and its place among the waiters).
   */
  private next(
    channel: string,
    key: string,
    timeoutMs: number,
  ): { readonly notified: Promise<void>; readonly cancel: () => void } {
    const id = `${channel}\n${key}`;
    let wake!: () => void;
    const notified = new Promise<void>((resolve) => (wake = resolve));
    const waiters = this.waiters.get(id) ?? new Set();
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      if (waiters.size === 0) this.waiters.delete(id);
      wake();
    };
    const timer = setTimeout(done, timeoutMs);
    waiters.add(done);
    this.waiters.set(id, waiters);
    return { notified, cancel: done };
  }

  /**
   * Calls `read` until it answers (or throws), at most `timeoutMs`: again at each
   * notification on `channel` for `key`, and every `lookAgainMs` regardless. Undefined
   * when the time ran out first. A read the database could not answer now (a restart, a
   * lost connection) counts as no answer yet: what the caller waits for (a saga) goes on
   * meanwhile, and "try again" would have it done twice.
   */
  async until<T>(
    channel: string,
    key: string,
    timeoutMs: number,
    read: () => Promise<T | undefined>,
    lookAgainMs = 1_000,
  ): Promise<T | undefined> {
    const deadline = Date.now() + timeoutMs;
    let databaseAway = false;
    for (;;) {
      // Listening before reading: a change between the two is not missed.
      const wait = this.next(
        channel,
        key,
        Math.max(0, Math.min(lookAgainMs, deadline - Date.now())),
      );
      let answer: T | undefined;
      try {
        answer = await read();
      } catch (error) {
        if (!isTransientDatabaseError(error)) {
          wait.cancel();
          throw error;
        }
        if (!databaseAway)
          this.logger.warn(
            { err: error, channel, key },
            'the database cannot answer now; looking again until the wait is over',
          );
        databaseAway = true;
      }
      if (answer !== undefined || Date.now() >= deadline) {
        wait.cancel();
        return answer;
      }
      await wait.notified;
    }
  }

  /**
   * Opens a connection of its own and listens on every channel. Whatever ends it (an
   * error event, a failed LISTEN, or both for one loss) is handled once: the connection
   * goes back to the pool as broken and another attempt follows.
   */
  private async listen(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    let lost = false;
    const lose = (error: unknown) => {
      if (lost) return;
      lost = true;
      if (this.runner === runner) this.runner = undefined;
      runner
        .release()
        .catch((releaseError: unknown) =>
          this.logger.debug({ err: releaseError }, 'releasing the lost listener failed'),
        );
      this.listenAgainLater(error);
    };
    try {
      await runner.connect();
      const client = (runner as unknown as { databaseConnection: ListeningClient })
        .databaseConnection;
      client.on('notification', ({ channel, payload }) => {
        if (payload === undefined) return;
        for (const wake of [...(this.waiters.get(`${channel}\n${payload}`) ?? [])]) wake();
      });
      client.on('error', lose);
      for (const channel of this.channels) await runner.query(`LISTEN "${channel}"`);
    } catch (error) {
      lose(error);
      return;
    }
    if (lost) return;
    if (this.stopped) {
      // Shut down while it was connecting: nobody else will release it. Called from a
      // timer (`void this.listen()`), so nothing may escape.
      await runner
        .release()
        .catch((error: unknown) =>
          this.logger.debug({ err: error }, 'releasing the listener at shutdown failed'),
        );
      return;
    }
    this.runner = runner;
  }

  private listenAgainLater(error: unknown): void {
    if (this.stopped) return;
    this.logger.warn({ err: error }, 'database notifications lost; listening again shortly');
    setTimeout(() => void this.listen(), RECONNECT_MS).unref();
  }
}
