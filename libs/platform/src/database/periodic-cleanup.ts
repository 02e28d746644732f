import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { PinoLogger } from 'nestjs-pino';
import { deleteInBatches } from './delete-in-batches';

/**
 * A clean-up a service runs at start and every `everyMs` (`cleanUp`), one run at a time,
 * on every instance (its statements must let instances run side by side: SKIP LOCKED, or
 * deletes that find nothing the second time). A run that fails is logged as a warning,
 * and the next one tries again. Shutdown waits for the run under way; a run of batches
 * (`inBatches`) stops between two.
 */
export abstract class PeriodicCleanup implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private halted = false;

  protected constructor(
    protected readonly logger: PinoLogger,
    private readonly everyMs: number,
    /** What it cleans up, for its log lines: "old word counts". */
    private readonly what: string,
  ) {}

  /** One run: how many rows went. */
  protected abstract cleanUp(): Promise<number>;

  /** `deleteSome(limit)` until it deletes fewer than `limit` or the service shuts down; how many went. */
  protected inBatches(
    deleteSome: (limit: number) => Promise<number>,
    limit: number,
  ): Promise<number> {
    return deleteInBatches(deleteSome, limit, () => this.halted);
  }

  onApplicationBootstrap(): void {
    this.schedule();
    this.timer = setInterval(() => this.schedule(), this.everyMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.halted = true;
    clearInterval(this.timer);
    await this.running;
  }

  private schedule(): void {
    this.running = this.running.then(() =>
      this.cleanUp().then(
        (removed) => {
          if (removed > 0) this.logger.info({ removed }, `removed ${this.what}`);
        },
        (error: unknown) =>
          this.logger.warn({ err: error }, `could not remove ${this.what}; tried again later`),
      ),
    );
  }
}
