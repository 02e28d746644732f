import { Injectable } from '@nestjs/common';
import { PeriodicCleanup } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import { EventLogRepository } from './event-log.repository';

/** Top words look back a day at most: older minutes' word counts are of no use. */
export const WORD_COUNTS_KEPT_MS = 25 * 60 * 60 * 1000;
const FORGET_EVERY_MS = 10 * 60 * 1000;
const FORGET_BATCH = 5_000;

/**
 * Deletes the word counts of minutes no top-words window reaches any more, and the words
 * of messages sent in them (`message_words`: an edit of such a message has nothing left to
 * take out), at start and every 10 minutes, a few thousand rows a statement. Without it
 * both tables grow for good: a row a minute for every distinct word, a row a message.
 * Every instance may do it (SKIP LOCKED).
 */
@Injectable()
export class WordCountsRetention extends PeriodicCleanup {
  constructor(
    private readonly log: EventLogRepository,
    logger: PinoLogger,
  ) {
    super(logger, FORGET_EVERY_MS, 'old word counts');
    this.logger.setContext('word-counts-retention');
  }

  /** Deletes what is older than WORD_COUNTS_KEPT_MS before `now`; how many rows of both went. */
  async forgetOld(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - WORD_COUNTS_KEPT_MS);
    const counts = await this.inBatches(
      (limit) => this.log.forgetWordCountsBefore(before, limit),
      FORGET_BATCH,
    );
    const messages = await this.inBatches(
      (limit) => this.log.forgetMessageWordsBefore(before, limit),
      FORGET_BATCH,
    );
    return counts + messages;
  }

  protected cleanUp(): Promise<number> {
    return this.forgetOld();
  }
}
