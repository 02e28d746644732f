import type { EventLogRepository } from './event-log.repository';
import type { LoggedEvent, MessageWords } from './logged-event';
import { add, minuteOf } from './minutes';

/** A message's row in `message_words`: the words it counts for now, and where. */
export interface Counted {
  readonly minute: string;
  readonly version: number;
  readonly words: readonly string[];
}

/**
 * What the new events of messages (sent, edited, deleted) change in `word_counts`, as
 * `"<minute> <word>"` → amount (negative for words taken out), with `message_words`
 * brought up to date in the caller's transaction.
 *
 * A message counts the words of its highest version, in the minute of its first logged
 * event (its send): an edit takes the words it replaces out of that minute and puts its
 * own in, a deletion takes them out; an event no newer than what is counted changes
 * nothing. `chat.room-events` is keyed by room, so a message's events come in version
 * order; going by version keeps the figures right even if they did not.
 */
export async function messageWordChanges(
  log: EventLogRepository,
  events: readonly LoggedEvent[],
): Promise<Map<string, number>> {
  const changes = events.flatMap(({ message }) => (message === undefined ? [] : [message]));
  const amounts = new Map<string, number>();
  if (changes.length === 0) return amounts;
  const counted = await log.countedWords([...new Set(changes.map(({ id }) => id))]);
  const changed = new Map<string, Counted>();
  for (const change of changes) {
    const before = counted.get(change.id);
    if (before !== undefined && before.version >= change.version) continue;
    const after = countedAfter(change, before);
    for (const word of before?.words ?? []) add(amounts, `${after.minute} ${word}`, -1);
    for (const word of after.words) add(amounts, `${after.minute} ${word}`);
    counted.set(change.id, after);
    changed.set(change.id, after);
  }
  await log.saveCountedWords(changed);
  return amounts;
}

function countedAfter(change: MessageWords, before: Counted | undefined): Counted {
  return {
    minute: before?.minute ?? minuteOf(change.minuteSource),
    version: change.version,
    words: change.words,
  };
}
