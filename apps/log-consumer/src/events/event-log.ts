import type { EntityManager } from 'typeorm';
import { EventLogRepository } from './event-log.repository';
import type { LoggedEvent, TotalName } from './logged-event';
import { messageWordChanges } from './message-words';
import { add, minuteOf } from './minutes';

/**
 * Appends events to the log and adds what they count to the figures, in the caller's
 * transaction. An event already in the log (a relay that published twice, a consumer
 * that read a batch again) changes nothing: the log's primary key decides what is new.
 * Returns the events that were. Each statement locks its rows in key order, so two
 * batches never wait on each other in a cycle.
 */
export async function appendToEventLog(
  manager: EntityManager,
  events: readonly LoggedEvent[],
): Promise<readonly LoggedEvent[]> {
  const unique = [...new Map(events.map((event) => [event.eventId, event])).values()];
  const log = new EventLogRepository(manager);
  const inserted = await log.insertNew(unique);
  const isNew = new Set(inserted);
  const fresh = unique.filter((event) => isNew.has(event.eventId));

  const minuteCounts = new Map<string, number>();
  const totals = new Map<TotalName, number>();
  for (const event of fresh) {
    if (event.counts !== undefined)
      add(minuteCounts, `${event.counts} ${minuteOf(event.occurredAt)}`);
    for (const [name, amount] of Object.entries(event.totals) as [TotalName, number][])
      add(totals, name, amount);
  }
  // Every batch of every instance adds to the current minute's counts and the totals: those
  // rows are locked last, just before the commit, so batches wait on each other briefly.
  await log.addWordCounts(await messageWordChanges(log, fresh));
  await log.addMinuteCounts(minuteCounts);
  await log.addTotals(totals);
  return fresh;
}
