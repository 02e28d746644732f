import type { Message, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';

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
 * Publishes the dead letters `ids` to their topics again, each as it was read (key,
 * headers, value), in the order they were kept, and deletes them once Kafka has them all;
 * the ids published. If Kafka refuses, none is deleted and the error is thrown. A letter
 * deleted or replayed meanwhile (by another operator) is skipped. Every group reading the
 * topic reads the record again: those that handled it already act once (they remember its
 * event id), and the one that gave up on it tries it anew, now that its release knows how.
 */
export function replayDeadLetters(
  dataSource: DataSource,
  producer: Producer,
  ids: readonly string[],
): Promise<string[]> {
  return dataSource.transaction(async (manager) => {
    const kept = await lockLetters(manager, ids);
    if (kept.length === 0) return [];
    // One entry per topic, its letters in the order they were kept.
    const topics = new Map<string, Message[]>();
    for (const { topic, key, value, headers } of kept) {
      const messages = topics.get(topic) ?? [];
      messages.push({ key, value, headers: headers ?? {} });
      topics.set(topic, messages);
    }
    await producer.sendBatch({
      acks: -1,
      topicMessages: [...topics].map(([topic, messages]) => ({ topic, messages })),
    });
    await deleteLetters(
      manager,
      kept.map((letter) => letter.id),
    );
    return kept.map((letter) => letter.id);
  });
}

/** Deletes the dead letters `ids` without publishing them (an operator gave them up); the ids deleted. */
export function discardDeadLetters(
  dataSource: DataSource,
  ids: readonly string[],
): Promise<string[]> {
  return dataSource.transaction(async (manager) => {
    const kept = (await manager.query(
      `SELECT "id" FROM "dead_letters" WHERE "id" = ANY($1::bigint[]) ORDER BY "id" FOR UPDATE`,
      [ids],
    )) as { id: string }[];
    await deleteLetters(
      manager,
      kept.map((letter) => letter.id),
    );
    return kept.map((letter) => letter.id);
  });
}

/**
 * The letters `ids` that are still kept, as read, in id order; locked until the
 * transaction ends (another operator's replay of them waits, then finds them gone).
 */
async function lockLetters(manager: EntityManager, ids: readonly string[]): Promise<KeptRecord[]> {
  return (await manager.query(
    `SELECT "id", "topic", "key", "value", "headers" FROM "dead_letters"
      WHERE "id" = ANY($1::bigint[]) ORDER BY "id" FOR UPDATE`,
    [ids],
  )) as KeptRecord[];
}

async function deleteLetters(manager: EntityManager, ids: readonly string[]): Promise<void> {
  await manager.query(`DELETE FROM "dead_letters" WHERE "id" = ANY($1::bigint[])`, [ids]);
}
