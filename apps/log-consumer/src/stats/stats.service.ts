import { BadRequestException, Injectable } from '@nestjs/common';
import type { MinuteMetric } from '../events/logged-event';
import {
  TOP_WORDS_LIMIT,
  WINDOWS,
  type Bucket,
  type SeriesQuery,
  type SeriesView,
  type SummaryView,
  type WordCount,
  type TopWordsQuery,
  type TopWordsView,
  type Window,
} from './stats.dto';
import { StatsRepository } from './stats.repository';
import { SharedAnswers } from './shared-answers';

const BUCKET_MS: Readonly<Record<Bucket, number>> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};
/** With no `from`: this many buckets before `to`. */
const DEFAULT_SPAN: Readonly<Record<Bucket, number>> = { minute: 60, hour: 24, day: 30 };
/** A series longer than this is refused (ask for a coarser bucket). */
export const MAX_BUCKETS = 1_500;
/**
 * How long a window's top words are answered again once read. The 24-hour window sums
 * every minute's word counts of a day (some 0.45 s of PostgreSQL for 2.9 million rows,
 * docs/stats.md), so a dashboard polling it is served from one read every 3 s, still
 * "within a few seconds" of the events (API.md); the shorter windows are cheap, and
 * shared only while a read is in flight.
 */
const TOP_WORDS_FRESH_MS: Readonly<Record<Window, number>> = { '15m': 0, '1h': 0, '24h': 3_000 };

/** The figures of /api/stats, read from the tables the event log feeds. */
@Injectable()
export class StatsService {
  private readonly topWordsOf = new SharedAnswers<readonly WordCount[]>();

  constructor(private readonly stats: StatsRepository) {}

  async summary(): Promise<SummaryView> {
    const row = await this.stats.summary();
    if (row === undefined) throw new Error('the summary query returned no row');
    return {
      users: Number(row.users),
      rooms: Number(row.rooms),
      messages: Number(row.messages),
      messagesLastHour: Number(row.messagesLastHour),
      signupsToday: Number(row.signupsToday),
    };
  }

  /** Counts per bucket from `from` (its bucket's start) up to `to`, empty buckets as 0. */
  async series(metric: MinuteMetric, query: SeriesQuery, now = new Date()): Promise<SeriesView> {
    const bucket = query.bucket ?? 'minute';
    const to = query.to === undefined ? now : new Date(query.to);
    const from =
      query.from === undefined
        ? new Date(to.getTime() - DEFAULT_SPAN[bucket] * BUCKET_MS[bucket])
        : new Date(query.from);
    if (from.getTime() >= to.getTime()) throw new BadRequestException('from must be before to');
    // From the start of `from`'s bucket, where the series starts (UTC buckets line up with
    // the epoch).
    const start = Math.floor(from.getTime() / BUCKET_MS[bucket]) * BUCKET_MS[bucket];
    const buckets = Math.ceil((to.getTime() - start) / BUCKET_MS[bucket]);
    if (buckets > MAX_BUCKETS) {
      throw new BadRequestException(
        `from..to spans ${buckets} ${bucket} buckets; at most ${MAX_BUCKETS} (use a larger bucket)`,
      );
    }
    const rows = await this.stats.series(metric, bucket, from, to, BUCKET_MS[bucket] / 1000);
    return { items: rows.map((row) => ({ t: row.t.toISOString(), count: Number(row.count) })) };
  }

  /** The most counted words of a window: read as many as any caller may ask for, then cut. */
  async topWords(query: TopWordsQuery): Promise<TopWordsView> {
    const window = query.window ?? '1h';
    const words = await this.topWordsOf.get(window, TOP_WORDS_FRESH_MS[window], async () =>
      (await this.stats.topWords(WINDOWS[window] / 1000, TOP_WORDS_LIMIT.max)).map((row) => ({
        word: row.word,
        count: Number(row.count),
      })),
    );
    return { items: words.slice(0, query.limit ?? TOP_WORDS_LIMIT.default) };
  }
}
