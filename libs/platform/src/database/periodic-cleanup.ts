import type { PinoLogger } from 'nestjs-pino';
import { PeriodicTask } from '../util/periodic-task';
import { deleteInBatches } from './delete-in-batches';

/**
 * A clean-up a service runs at start and every `everyMs` (`cleanUp`), as a `PeriodicTask`:
 * one run at a time, on every instance, logged, waited for at shutdown. A run of batches
 * (`inBatches`) stops between two once the service shuts down.
 */
export abstract class PeriodicCleanup extends PeriodicTask {
  protected constructor(
    logger: PinoLogger,
    everyMs: number,
    /** What it cleans up, for its log lines: "old word counts". */
    what: string,
  ) {
    super(logger, everyMs, {
      done: `removed ${what}`,
      failed: `could not remove ${what}; tried again later`,
    });
  }

  /** One run: how many rows went. */
  protected abstract cleanUp(): Promise<number>;

  protected runOnce(): Promise<number> {
    return this.cleanUp();
  }

  /** `deleteSome(limit)` until it deletes fewer than `limit` or the service shuts down; how many went. */
  protected inBatches(
    deleteSome: (limit: number) => Promise<number>,
    limit: number,
  ): Promise<number> {
    return deleteInBatches(deleteSome, limit, () => this.halted);
  }
}
