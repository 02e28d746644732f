import { Injectable } from '@nestjs/common';
import { PeriodicCleanup } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { UsersRepository } from './users.repository';

/**
 * How long a signup may stay pending: far past any signup saga, whose last step (the
 * activation) is retried with waits of at most five minutes for as long as auth does not
 * answer, and auth is running whenever this is.
 */
export const PENDING_SIGNUP_KEPT_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 10 * 60 * 1000;
const BATCH = 1_000;

/**
 * Discards signups still pending a day after they began, freeing their usernames: those
 * whose saga never started (its request kept in the orchestrator's `dead_letters`) or was
 * taken off the sweep (a type or step a deploy removed) would otherwise hold the name for
 * good, the person unable to log in (403) or sign up again (409). A saga that still runs
 * after that finds the user gone at its activation, fails, and undoes the chat profile.
 */
@Injectable()
export class StaleSignups extends PeriodicCleanup {
  constructor(
    private readonly users: UsersRepository,
    logger: PinoLogger,
  ) {
    super(logger, SWEEP_EVERY_MS, 'signups pending for a day');
    this.logger.setContext('stale-signups');
  }

  /** Discards the signups pending since before PENDING_SIGNUP_KEPT_MS before `now`; how many. */
  async discard(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - PENDING_SIGNUP_KEPT_MS);
    return this.inBatches(async (limit) => {
      const usernames = await this.users.deletePendingSince(before, limit);
      if (usernames.length > 0)
        this.logger.warn({ usernames }, 'discarded signups whose saga never finished');
      return usernames.length;
    }, BATCH);
  }

  protected cleanUp(): Promise<number> {
    return this.discard();
  }
}
