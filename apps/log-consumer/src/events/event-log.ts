import type { EntityManager } from 'typeorm';
import type { LoggedEvent, MinuteMetric, TotalName } from './logged-event';
import { messageWordChanges } from './message-words';
import { add, minuteOf } from './minutes';

/**
 * Appends events to the log and adds what they count to the figures, in the caller's
 * transaction. An event already in the log (a relay that published twice, a consumer
 * that read a batch again) changes nothing: the log's primary key decides what is new.
 * Returns the events that were.
 */
export async function appendToEventLog(
  manager: EntityManager,
  events: readonly LoggedEvent[],
): Promise<readonly LoggedEvent[]> {
  const unique = [...new Map(events.map((event) => [event.eventId, event])).values()];
  const inserted = (await manager.query(
    `INSERT INTO "events" ("event_id", "topic", "type", "key", "occurred_at", "data")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::jsonb[])
     ON CONFLICT ("event_id") DO NOTHING
     RETURNING "event_id"`,
    [
      unique.map((event) => event.eventId),
      unique.map((event) => event.topic),
      unique.map((event) => event.type),
      unique.map((event) => event.key ?? null),
      unique.map((event) => event.occurredAt.toISOString()),
      unique.map((event) => JSON.stringify(event.data)),
    ],
  )) as { event_id: string }[];
  const isNew = new Set(inserted.map((row) => row.event_id));
  const fresh = unique.filter((event) => isNew.has(event.eventId));

  const minuteCounts = new Map<string, number>();
  const totals = new Map<TotalName, number>();
  for (const event of fresh) {
    if (event.counts !== undefined)
      add(minuteCounts, `${event.counts} ${minuteOf(event.occurredAt)}`);
    for (const [name, amount] of Object.entries(event.totals) as [TotalName, number][])
      add(totals, name, amount);
  }
  await addMinuteCounts(manager, minuteCounts);
  await addWordCounts(manager, await messageWordChanges(manager, fresh));
  await addTotals(manager, totals);
  return fresh;
}

async function addMinuteCounts(manager: EntityManager, counts: Map<string, number>) {
  if (counts.size === 0) return;
  const keys = [...counts.keys()].map((key) => key.split(' ') as [MinuteMetric, string]);
  await manager.query(
    `INSERT INTO "minute_counts" ("metric", "minute", "count")
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])
     ON CONFLICT ("metric", "minute") DO UPDATE SET "count" = "minute_counts"."count" + EXCLUDED."count"`,
    [keys.map(([metric]) => metric), keys.map(([, minute]) => minute), [...counts.values()]],
  );
}

/** Adds `"<minute> <word>"` → amount; a word whose count falls to 0 leaves its minute. */
async function addWordCounts(manager: EntityManager, counts: Map<string, number>) {
  const changes = [...counts].filter(([, amount]) => amount !== 0);
  if (changes.length === 0) return;
  const keys = changes.map(([key]) => {
    const space = key.indexOf(' ');
    return [key.slice(0, space), key.slice(space + 1)] as const;
  });
  const params = [keys.map(([minute]) => minute), keys.map(([, word]) => word)];
  await manager.query(
    `INSERT INTO "word_counts" ("minute", "word", "count")
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bigint[])
     ON CONFLICT ("minute", "word") DO UPDATE SET "count" = "word_counts"."count" + EXCLUDED."count"`,
    [...params, changes.map(([, amount]) => amount)],
  );
  if (changes.every(([, amount]) => amount > 0)) return;
  await manager.query(
    `DELETE FROM "word_counts" AS w
      USING unnest($1::timestamptz[], $2::text[]) AS k ("minute", "word")
      WHERE w."minute" = k."minute" AND w."word" = k."word" AND w."count" <= 0`,
    params,
  );
}

async function addTotals(manager: EntityManager, totals: Map<TotalName, number>) {
  if (totals.size === 0) return;
  await manager.query(
    `UPDATE "totals" SET "value" = "totals"."value" + changes."amount"
       FROM unnest($1::text[], $2::bigint[]) AS changes ("name", "amount")
      WHERE "totals"."name" = changes."name"`,
    [[...totals.keys()], [...totals.values()]],
  );
}
