import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import type { MinuteMetric } from '../events/logged-event';
import type { Bucket, SummaryView } from './stats.dto';

/** The stats' SQL: reads of the tables the event log feeds. Counts as PostgreSQL gives them. */
@Injectable()
export class StatsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  async summary(): Promise<Record<keyof SummaryView, string> | undefined> {
    const [row] = (await this.manager.query(`
      SELECT
        (SELECT "value" FROM "totals" WHERE "name" = 'users') AS "users",
        (SELECT "value" FROM "totals" WHERE "name" = 'rooms') AS "rooms",
        (SELECT "value" FROM "totals" WHERE "name" = 'messages') AS "messages",
        (SELECT COALESCE(sum("count"), 0) FROM "minute_counts"
          WHERE "metric" = 'messages' AND "minute" > now() - interval '1 hour') AS "messagesLastHour",
        (SELECT COALESCE(sum("count"), 0) FROM "minute_counts"
          WHERE "metric" = 'signups' AND "minute" >= date_trunc('day', now(), 'UTC')) AS "signupsToday"
    `)) as Record<keyof SummaryView, string>[];
    return row;
  }

  /** The metric's count per `bucket` from `from`'s bucket up to `to`, empty buckets 0. */
  async series(
    metric: MinuteMetric,
    bucket: Bucket,
    from: Date,
    to: Date,
    bucketSeconds: number,
  ): Promise<{ t: Date; count: string }[]> {
    return (await this.manager.query(
      `SELECT b."t", COALESCE(c."count", 0) AS "count"
         FROM generate_series(date_trunc($1, $2::timestamptz, 'UTC'),
                              $3::timestamptz - interval '1 millisecond',
                              $4::interval) AS b("t")
         LEFT JOIN (
           SELECT date_trunc($1, "minute", 'UTC') AS "t", sum("count") AS "count"
             FROM "minute_counts"
            WHERE "metric" = $5 AND "minute" >= date_trunc($1, $2::timestamptz, 'UTC')
              AND "minute" < $3::timestamptz
            GROUP BY 1
         ) AS c USING ("t")
        ORDER BY b."t"`,
      [bucket, from.toISOString(), to.toISOString(), `${bucketSeconds} seconds`, metric],
    )) as { t: Date; count: string }[];
  }

  /** The most counted words of the last `windowSeconds`. */
  async topWords(windowSeconds: number, limit: number): Promise<{ word: string; count: string }[]> {
    return (await this.manager.query(
      `SELECT "word", sum("count") AS "count" FROM "word_counts"
        WHERE "minute" > now() - $1::interval
        GROUP BY "word" ORDER BY sum("count") DESC, "word" LIMIT $2`,
      [`${windowSeconds} seconds`, limit],
    )) as { word: string; count: string }[];
  }
}
