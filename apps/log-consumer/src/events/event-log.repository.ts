import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import type { LoggedEvent, MinuteMetric, TotalName } from './logged-event';
import type { Counted } from './message-words';

/**
 * The event log's SQL: the log itself and the figures it feeds, each written set-wise in
 * one statement. Injected, it works through the pool; `in(manager)` gives the same
 * statements inside the caller's transaction.
 */
@Injectable()
export class EventLogRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): EventLogRepository {
    return new EventLogRepository(manager);
  }

  /** Appends the events the log does not hold yet; their ids. */
  async insertNew(unordered: readonly LoggedEvent[]): Promise<string[]> {
    const events = [...unordered].sort((a, b) => compare(a.eventId, b.eventId));
    const inserted = (await this.manager.query(
      `INSERT INTO "events" ("event_id", "topic", "type", "key", "occurred_at", "data")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
     ON CONFLICT ("event_id") DO NOTHING
     RETURNING "event_id"`,
      [
        events.map((event) => event.eventId),
        events.map((event) => event.topic),
        events.map((event) => event.type),
        events.map((event) => event.key ?? null),
        events.map((event) => event.occurredAt.toISOString()),
        events.map((event) => JSON.stringify(event.data)),
      ],
    )) as { event_id: string }[];
    return inserted.map((row) => row.event_id);
  }

  /** Adds to the minute counts, keyed `"<metric> <minute>"`. */
  async addMinuteCounts(counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    const sorted = [...counts].sort(([a], [b]) => compare(a, b));
    const keys = sorted.map(([key]) => key.split(' ') as [MinuteMetric, string]);
    await this.manager.query(
      `INSERT INTO "minute_counts" ("metric", "minute", "count")
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])
     ON CONFLICT ("metric", "minute") DO UPDATE SET "count" = "minute_counts"."count" + EXCLUDED."count"`,
      [
        keys.map(([metric]) => metric),
        keys.map(([, minute]) => minute),
        sorted.map(([, count]) => count),
      ],
    );
  }

  /** Adds `"<minute> <word>"` → amount; a word whose count falls to 0 leaves its minute. */
  async addWordCounts(counts: ReadonlyMap<string, number>): Promise<void> {
    const changes = [...counts]
      .filter(([, amount]) => amount !== 0)
      .sort(([a], [b]) => compare(a, b));
    if (changes.length === 0) return;
    const keys = changes.map(([key]) => {
      const space = key.indexOf(' ');
      return [key.slice(0, space), key.slice(space + 1)] as const;
    });
    const params = [keys.map(([minute]) => minute), keys.map(([, word]) => word)];
    await this.manager.query(
      `INSERT INTO "word_counts" ("minute", "word", "count")
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bigint[])
     ON CONFLICT ("minute", "word") DO UPDATE SET "count" = "word_counts"."count" + EXCLUDED."count"`,
      [...params, changes.map(([, amount]) => amount)],
    );
    if (changes.every(([, amount]) => amount > 0)) return;
    await this.manager.query(
      `DELETE FROM "word_counts" AS w
      USING unnest($1::timestamptz[], $2::text[]) AS k ("minute", "word")
      WHERE w."minute" = k."minute" AND w."word" = k."word" AND w."count" <= 0`,
      params,
    );
  }

  /**
   * The words each of these messages counts for now (`message_words`), by message id; the
   * rows locked until the caller's commit, so two batches with events of one message
   * (a topic partitioned anew) take its words out once.
   */
  async countedWords(ids: readonly string[]): Promise<Map<string, Counted>> {
    const rows = (await this.manager.query(
      `SELECT "message_id", "minute", "version", "words" FROM "message_words"
      WHERE "message_id" = ANY($1::uuid[]) ORDER BY "message_id" FOR UPDATE`,
      [ids],
    )) as { message_id: string; minute: Date; version: number; words: string[] }[];
    return new Map(
      rows.map((row) => [
        row.message_id,
        { minute: row.minute.toISOString(), version: row.version, words: row.words },
      ]),
    );
  }

  async saveCountedWords(rows: ReadonlyMap<string, Counted>): Promise<void> {
    if (rows.size === 0) return;
    const sorted = [...rows].sort(([a], [b]) => compare(a, b));
    const values = sorted.map(([, counted]) => counted);
    await this.manager.query(
      `INSERT INTO "message_words" ("message_id", "minute", "version", "words")
     SELECT id, minute, version, ARRAY(SELECT jsonb_array_elements_text(words))
       FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::jsonb[])
            AS m(id, minute, version, words)
     ON CONFLICT ("message_id") DO UPDATE
        SET "version" = EXCLUDED."version", "words" = EXCLUDED."words"`,
      [
        sorted.map(([id]) => id),
        values.map(({ minute }) => minute),
        values.map(({ version }) => version),
        values.map(({ words }) => JSON.stringify(words)),
      ],
    );
  }

  /** Adds to the running totals; a total counted for the first time starts at its amount. */
  async addTotals(totals: ReadonlyMap<TotalName, number>): Promise<void> {
    if (totals.size === 0) return;
    const sorted = [...totals].sort(([a], [b]) => compare(a, b));
    await this.manager.query(
      `INSERT INTO "totals" ("name", "value")
     SELECT * FROM unnest($1::text[], $2::bigint[])
     ON CONFLICT ("name") DO UPDATE SET "value" = "totals"."value" + EXCLUDED."value"`,
      [sorted.map(([name]) => name), sorted.map(([, amount]) => amount)],
    );
  }

  /**
   * Deletes up to `limit` word counts of minutes before `before` (top words look back a
   * day at most); rows another transaction holds are left for next time. How many went.
   */
  async forgetWordCountsBefore(before: Date, limit: number): Promise<number> {
    const [, deleted] = (await this.manager.query(
      `DELETE FROM "word_counts" WHERE ("minute", "word") IN (
         SELECT "minute", "word" FROM "word_counts" WHERE "minute" < $1
          LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before.toISOString(), limit],
    )) as [unknown, number];
    return deleted;
  }

  /**
   * Deletes up to `limit` rows of `message_words` of messages sent before `before`: their
   * minutes' counts are gone, so an edit has nothing to take out there. How many went.
   */
  async forgetMessageWordsBefore(before: Date, limit: number): Promise<number> {
    const [, deleted] = (await this.manager.query(
      `DELETE FROM "message_words" WHERE "message_id" IN (
         SELECT "message_id" FROM "message_words" WHERE "minute" < $1
          LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [before.toISOString(), limit],
    )) as [unknown, number];
    return deleted;
  }
}

/** Code-unit order, the same in every process (locks are taken in it). */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
