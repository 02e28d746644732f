import type { IHeaders, KafkaMessage, Message, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { PRODUCE_ACK_TIMEOUT_MS } from '../kafka/kafka-client';

/** A dead letter as an operator reads it (`dead-letters list`): where it was, and why. */
export interface DeadLetterSummary {
  readonly id: string;
  readonly failedAt: string;
  /** The consumer group that gave up on it. */
  readonly consumer: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly eventId: string | null;
  readonly type: string | null;
  readonly error: string;
}

interface KeptRecord {
  readonly id: string;
  readonly failed_at: Date;
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string | string[]> | null;
}

/** The schema's dead letters, oldest first, at most `limit`. */
export async function listDeadLetters(
  dataSource: DataSource,
  limit = 100,
): Promise<DeadLetterSummary[]> {
  const rows = (await dataSource.query(
    `SELECT "id", "failed_at", "consumer", "topic", "partition", "offset", "event_id", "type",
            "error"
       FROM "dead_letters" ORDER BY "id" LIMIT $1`,
    [limit],
  )) as {
    id: string;
    failed_at: Date;
    consumer: string;
    topic: string;
    partition: number;
    offset: string;
    event_id: string | null;
    type: string | null;
    error: string;
  }[];
  return rows.map((row) => ({
    id: row.id,
    failedAt: row.failed_at.toISOString(),
    consumer: row.consumer,
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    eventId: row.event_id,
    type: row.type,
    error: row.error,
  }));
}

/**
 * How long a letter may have been kept and still be published again safely: the groups
 * that handled its record remember its event id for the topic's retention plus a day (a
 * week and more with the broker's default), and a saga participant its answers a week
 * (`saga_command_replies`). Past that a replay may be acted on twice.
 */
const SAFE_REPLAY_AGE_MS = 6 * 24 * 60 * 60 * 1000;

export interface ReplayOptions {
  /** Publish letters kept longer than SAFE_REPLAY_AGE_MS too. */
  readonly evenIfOld?: boolean;
  /**
   * Publish letters kept without their key (before 2026-12-07) too: each goes to any
   * partition, out of order with its key's other records, and without its correlation id.
   */
  readonly withoutKey?: boolean;
}

export interface ReplayOutcome {
  readonly replayed: string[];
  /** Letters kept but not published, and why (the option that would publish them). */
  readonly refused: { readonly id: string; readonly why: string }[];
}

/**
 * Publishes the dead letters `ids` to their topics again, each as it was read (key,
 * headers, value), in the order they were kept, and deletes them once Kafka has them all.
 * If Kafka refuses, none is deleted and the error is thrown. A letter deleted or replayed
 * meanwhile (by another operator) is neither. Every group reading the topic reads the
 * record again: those that handled it already act once (they remember its event id), and
 * the one that gave up on it tries it anew, now that its release knows how. Letters too
 * old for that, or kept without their key, are refused unless `options` say otherwise.
 */
export function replayDeadLetters(
  dataSource: DataSource,
  producer: Producer,
  ids: readonly string[],
  options: ReplayOptions = {},
): Promise<ReplayOutcome> {
  return dataSource.transaction(async (manager) => {
    const refused: { id: string; why: string }[] = [];
    const kept = (await lockLetters(manager, ids)).filter((letter) => {
      const why = refusal(letter, options);
      if (why !== undefined) refused.push({ id: letter.id, why });
      return why === undefined;
    });
    if (kept.length === 0) return { replayed: [], refused };
    // One entry per topic, its letters in the order they were kept.
    const topics = new Map<string, Message[]>();
    for (const { topic, key, value, headers } of kept) {
      const messages = topics.get(topic) ?? [];
      messages.push({ key, value, headers: headers ?? {} });
      topics.set(topic, messages);
    }
    await producer.sendBatch({
      acks: -1,
      timeout: PRODUCE_ACK_TIMEOUT_MS,
      topicMessages: [...topics].map(([topic, messages]) => ({ topic, messages })),
    });
    const replayed = kept.map((letter) => letter.id);
    await deleteLetters(manager, replayed);
    return { replayed, refused };
  });
}

/** Why `letter` is not to be published again with `options`; undefined if it may be. */
function refusal(letter: KeptRecord, options: ReplayOptions): string | undefined {
  if (!options.evenIfOld && Date.now() - letter.failed_at.getTime() > SAFE_REPLAY_AGE_MS)
    return 'kept longer than 6 days: consumers may have forgotten its event and act on it again (--even-if-old)';
  if (!options.withoutKey && letter.key === null)
    return 'kept without its key (before 2026-12-07): it would go to any partition, out of order with its key, without its correlation id (--without-key)';
  return undefined;
}

/** Deletes the dead letters `ids` without publishing them (an operator gave them up); the ids deleted. */
export async function discardDeadLetters(
  dataSource: DataSource,
  ids: readonly string[],
): Promise<string[]> {
  const [rows] = (await dataSource.query(
    `DELETE FROM "dead_letters" WHERE "id" = ANY($1::bigint[]) RETURNING "id"`,
    [ids],
  )) as [{ id: string }[], number];
  return rows.map((row) => row.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

/**
 * The letters `ids` that are still kept, as read, in id order; locked until the
 * transaction ends (another operator's replay of them waits, then finds them gone).
 */
async function lockLetters(manager: EntityManager, ids: readonly string[]): Promise<KeptRecord[]> {
  return (await manager.query(
    `SELECT "id", "failed_at", "topic", "key", "value", "headers" FROM "dead_letters"
      WHERE "id" = ANY($1::bigint[]) ORDER BY "id" FOR UPDATE`,
    [ids],
  )) as KeptRecord[];
}

async function deleteLetters(manager: EntityManager, ids: readonly string[]): Promise<void> {
  await manager.query(`DELETE FROM "dead_letters" WHERE "id" = ANY($1::bigint[])`, [ids]);
}

/** A Kafka record as a consumer read it: where it is, and what it holds. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/**
 * Keeps a record that consumer group `consumer` will not handle in `dead_letters`: as
 * read, with why (the event id and type are null for a record that is not an event at
 * all), once however often Kafka delivers it.
 */
export async function keepDeadLetter(
  dataSource: DataSource,
  consumer: string,
  record: ConsumedRecord,
  event: { readonly eventId: string | null; readonly type: string | null },
  reason: unknown,
): Promise<void> {
  await dataSource.query(
    `INSERT INTO "dead_letters"
       ("consumer", "topic", "partition", "offset", "event_id", "type", "value", "error",
        "key", "headers")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT ("consumer", "topic", "partition", "offset", md5(coalesce("value", '')))
     DO NOTHING`,
    [
      consumer,
      record.topic,
      record.partition,
      record.message.offset,
      event.eventId,
      event.type,
      record.message.value,
      String(reason instanceof Error ? reason.message : reason)
        .replaceAll('\u0000', '')
        .slice(0, 2_000),
      record.message.key,
      headersAsText(record.message.headers),
    ],
  );
}

/**
 * A record's headers as text, for `dead_letters` (jsonb): a header Kafka holds several
 * times is a list. Bytes that are not UTF-8 are replaced (no header of ours is binary),
 * and NUL characters, which jsonb does not take, dropped from names and values alike.
 */
function headersAsText(headers: IHeaders | undefined): Record<string, string | string[]> {
  const text: Record<string, string | string[]> = {};
  const utf8 = (one: Buffer | string) => String(one).replaceAll('\u0000', '');
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    text[utf8(name)] = Array.isArray(value) ? value.map(utf8) : utf8(value);
  }
  return text;
}
