import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';

/** What decides how long a topic's records can still be delivered to a consumer. */
export interface TopicRetention {
  readonly topic: string;
  /** `retention.ms`; negative when records are kept for good. */
  readonly retentionMs: number;
  /** `segment.ms`: a record is deleted only with its segment, which rolls this late. */
  readonly segmentMs: number;
  /** `cleanup.policy` includes `compact`: the last record of each key is kept for good. */
  readonly compacted: boolean;
}

/**
 * Added to the longest retention: the broker deletes old segments only every
 * `log.retention.check.interval.ms` (5 min by default), and clocks differ.
 */
export const PROCESSED_EVENTS_MARGIN_MS = 24 * 60 * 60 * 1000;

/**
 * How long a consumer of these topics must remember an event it processed, in ms: as long
 * as Kafka may still deliver the record again (a group whose offsets expired reads its
 * topics from the beginning). A record written at T is gone once its segment, rolled by
 * T + `segment.ms`, is older than `retention.ms`; the event was processed after T.
 * Undefined (remember for good) when any topic keeps records for good.
 */
export function rememberProcessedFor(topics: readonly TopicRetention[]): number | undefined {
  if (topics.length === 0) return undefined;
  let longest = 0;
  for (const { retentionMs, segmentMs, compacted } of topics) {
    if (compacted || retentionMs < 0) return undefined;
    longest = Math.max(longest, retentionMs + segmentMs);
  }
  return longest + PROCESSED_EVENTS_MARGIN_MS;
}

/**
 * The retention settings in force on `topics` (their own or the broker's). Throws when
 * one cannot be read as a number, so that nothing is forgotten on a guess.
 */
export async function readTopicRetention(
  admin: Admin,
  topics: readonly string[],
): Promise<TopicRetention[]> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['retention.ms', 'segment.ms', 'cleanup.policy'],
    })),
  });
  return resources.map(({ resourceName, configEntries }) => {
    const value = (name: string) =>
      configEntries.find((entry) => entry.configName === name)?.configValue;
    const number = (name: string) => {
      const parsed = Number(value(name));
      if (!Number.isSafeInteger(parsed))
        throw new Error(`topic ${resourceName} has no readable ${name}: ${String(value(name))}`);
      return parsed;
    };
    const policy = value('cleanup.policy');
    if (policy === undefined) throw new Error(`topic ${resourceName} has no cleanup.policy`);
    return {
      topic: resourceName,
      retentionMs: number('retention.ms'),
      segmentMs: number('segment.ms'),
      compacted: policy.split(',').includes('compact'),
    };
  });
}

/** Rows deleted by one statement, so that each one holds its locks briefly. */
const FORGET_BATCH = 1_000;

/**
 * Deletes `consumer`'s `processed_messages` rows older than `olderThanMs`, a thousand to a
 * statement until none is left; rows another transaction holds are left for next time (no
 * waiting, no deadlock between instances of one group). Returns how many went.
 */
export async function forgetProcessedEvents(
  dataSource: DataSource,
  consumer: string,
  olderThanMs: number,
): Promise<number> {
  let forgotten = 0;
  for (;;) {
    const [, deleted] = (await dataSource.query(
      `DELETE FROM "processed_messages" WHERE ("consumer", "message_id") IN (
         SELECT "consumer", "message_id" FROM "processed_messages"
          WHERE "consumer" = $1 AND "processed_at" < now() - $2 * interval '1 millisecond'
          LIMIT ${FORGET_BATCH} FOR UPDATE SKIP LOCKED)`,
      [consumer, olderThanMs],
    )) as [unknown, number];
    forgotten += deleted;
    if (deleted < FORGET_BATCH) return forgotten;
  }
}
