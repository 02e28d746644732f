import type { EntityManager } from 'typeorm';
import type { LoggedEvent, MessageWords } from './logged-event';
import { add, minuteOf } from './minutes';

/** A message's row in `message_words`: the words it counts for now, and where. */
interface Counted {
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
  manager: EntityManager,
  events: readonly LoggedEvent[],
): Promise<Map<string, number>> {
  const changes = events.flatMap(({ message }) => (message === undefined ? [] : [message]));
  const amounts = new Map<string, number>();
  if (changes.length === 0) return amounts;
  const counted = await countedWords(manager, [...new Set(changes.map(({ id }) => id))]);
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
  await saveCounted(manager, changed);
  return amounts;
}

function countedAfter(change: MessageWords, before: Counted | undefined): Counted {
  return {
    minute: before?.minute ?? minuteOf(change.minuteSource),
    version: change.version,
    words: change.words,
  };
}

async function countedWords(
  manager: EntityManager,
  ids: readonly string[],
): Promise<Map<string, Counted>> {
  const rows = (await manager.query(
    `SELECT "message_id", "minute", "version", "words" FROM "message_words"
      WHERE "message_id" = ANY($1::uuid[])`,
    [ids],
  )) as { message_id: string; minute: Date; version: number; words: string[] }[];
  return new Map(
    rows.map((row) => [
      row.message_id,
      { minute: row.minute.toISOString(), version: row.version, words: row.words },
    ]),
  );
}

async function saveCounted(manager: EntityManager, rows: Map<string, Counted>): Promise<void> {
  if (rows.size === 0) return;
  const values = [...rows.values()];
  await manager.query(
    `INSERT INTO "message_words" ("message_id", "minute", "version", "words")
     SELECT id, minute, version, ARRAY(SELECT jsonb_array_elements_text(words))
       FROM unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::jsonb[])
            AS m(id, minute, version, words)
     ON CONFLICT ("message_id") DO UPDATE
        SET "version" = EXCLUDED."version", "words" = EXCLUDED."words"`,
    [
      [...rows.keys()],
      values.map(({ minute }) => minute),
      values.map(({ version }) => version),
      values.map(({ words }) => JSON.stringify(words)),
    ],
  );
}
