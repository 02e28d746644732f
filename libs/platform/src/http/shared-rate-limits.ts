import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { RateDecision } from './rate-limiter';

/** A counter's key as stored: its SHA-256 (`take`). */
const hashOf = (key: string) => createHash('sha256').update(key).digest('base64url');

/** How often a process sweeps ended windows (lazily, on a hit). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Fixed-window counters in the service's PostgreSQL schema, so a limit holds across every
 * instance instead of multiplying with them. One statement per hit: the key's row is
 * created, restarted or incremented and read back atomically, on the database's clock (the
 * instances' clocks may disagree). Meant for the rare, costly requests (login, signup,
 * refresh), where a round trip is small beside the request's own work; the message hot
 * path keeps its per-process token buckets (docs/security.md).
 */
@Injectable()
export class SharedRateLimits {
  private sweptAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {}

  /**
   * `key` (who is counted: an address, a username as typed) is stored as its SHA-256, so
   * any string counts (a NUL, a 4,000-character name: rules are taken before validation)
   * and the table keeps no usernames or addresses.
   */
  async take(rule: string, key: string, limit: number, windowMs: number): Promise<RateDecision> {
    // A window starts with the first hit after the last one ended (as the in-process
    // limiter's do), so a burst is never split across two windows by a clock boundary.
    const rows: { hits: number; retry_after_ms: string }[] = await this.dataSource.query(
      `INSERT INTO rate_limit_windows AS counted ("rule", "key", "hits", "ends_at")
       VALUES ($1, $2, 1, now() + $3::integer * interval '1 millisecond')
       ON CONFLICT ("rule", "key") DO UPDATE SET
         "hits" = CASE WHEN counted."ends_at" <= now() THEN 1 ELSE counted."hits" + 1 END,
         "ends_at" = CASE WHEN counted."ends_at" <= now() THEN EXCLUDED."ends_at"
                          ELSE counted."ends_at" END
       RETURNING "hits", ceil(extract(epoch FROM "ends_at" - now()) * 1000) AS retry_after_ms`,
      [rule, hashOf(key), windowMs],
    );
    this.sweepNowAndThen();
    const counted = rows[0];
    if (counted === undefined) throw new Error('the rate-limit counter returned no row');
    if (counted.hits <= limit) return { allowed: true };
    return {
      allowed: false,
      retryAfterSeconds: Math.max(1, Math.ceil(Number(counted.retry_after_ms) / 1000)),
    };
  }

  /**
   * Takes back one hit of `key` under `rule` in its window (one that turned out not to
   * count, such as a right password), never below zero.
   */
  async giveBack(rule: string, key: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE rate_limit_windows SET "hits" = "hits" - 1
        WHERE "rule" = $1 AND "key" = $2 AND "ends_at" > now() AND "hits" > 0`,
      [rule, hashOf(key)],
    );
  }

  /** Deletes ended windows at most once a minute per process; a failure waits for the next. */
  private sweepNowAndThen(): void {
    const now = Date.now();
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    void this.dataSource
      .query(`DELETE FROM rate_limit_windows WHERE "ends_at" < clock_timestamp()`)
      .catch((error: unknown) => {
        this.sweptAt = 0;
        this.logger.warn(
          { err: error },
          'sweeping ended rate-limit windows failed; next hit retries',
        );
      });
  }
}
