import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { PinoLogger } from 'nestjs-pino';

/** What a periodic task's log lines say: after a run that did something, and after a failed one. */
export interface PeriodicTaskWords {
  readonly done: string;
  readonly failed: string;
}

/**
 * Work a service does at start and every `everyMs`, on every instance (its statements
 * must let instances run side by side: SKIP LOCKED, deletes that find nothing the second
 * time, one transaction per item with a lock). One run at a time: a tick that finds one
 * under way is skipped. A run that did something is logged with its count, one that
 * failed as a warning, and the next one tries again. Shutdown waits for the run under
 * way (`halted` says it has begun, for a run of many steps to stop between two).
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  protected halted = false;

  protected constructor(
    protected readonly logger: PinoLogger,
    private readonly everyMs: number,
    private readonly words: PeriodicTaskWords,
  ) {}

  /** One run: how many things it did. */
  protected abstract runOnce(): Promise<number>;

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
    if (this.running !== undefined) return;
    this.running = this.runOnce()
      .then(
        (count) => {
          if (count > 0) this.logger.info({ count }, this.words.done);
        },
        (error: unknown) => this.logger.warn({ err: error }, this.words.failed),
      )
      .finally(() => (this.running = undefined));
  }
}
