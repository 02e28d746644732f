import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { deleteInBatches } from '../database/delete-in-batches';

/** What decides how long a topic's records can still be delivered to a consumer. */
export interface TopicRetention {
  /** As named in Kafka (with the deployment's prefix). */
  readonly topic: string;
  /** `retention.ms`; negative when records are kept for good. */
  readonly retentionMs: number;
  /** `segment.ms`: a segment holds records stamped up to this long after its first one. */
  readonly segmentMs: number;
  /** `cleanup.policy` includes `compact`: the last record of each key is kept for good. */
  readonly compacted: boolean;
}

/**
 * Added to the retention: the broker deletes old segments only every
 * `log.retention.check.interval.ms` (5 min by default), and clocks differ.
 */
export const PROCESSED_EVENTS_MARGIN_MS = 24 * 60 * 60 * 1000;

/**
 * How long a consumer must remember an event it read from these topics, in ms after it
 * last read a copy: as long as Kafka may still deliver that copy again (a group whose
 * offsets expired reads its topics from the beginning). A segment holds records stamped
 * up to `segment.ms` after its first one, and goes once its newest is older than
 * `retention.ms` (the active segment too), so a record stamped at T is gone by
 * T + `segment.ms` + `retention.ms`; the copy was read after T. Undefined (remember for
 * good) when any of the topics keeps records for good.
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

/** A whole number of ms as Kafka writes it, or a throw: nothing is forgotten on a guess. */
function milliseconds(topic: string, name: string, value: string | null | undefined): number {
  if (value === null || value === undefined || !/^-?\d{1,15}$/.test(value))
    throw new Error(`topic ${topic} has no readable ${name}: ${String(value)}`);
  return Number(value);
}

/**
 * The retention settings in force on `topics` (their own or the broker's). Throws when
 * one cannot be read (a topic gone, no permission to describe it: DescribeConfigs), so
 * that nothing is forgotten on a guess.
 */
export async function readTopicRetention(
  admin: Admin,
  topics: readonly string[],
): Promise<TopicRetention[]> {
  if (topics.length === 0) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({
      type: ConfigResourceTypes.TOPIC,
      name,
      configNames: ['retention.ms', 'segment.ms', 'cleanup.policy'],
    })),
  });
  return topics.map((topic) => {
    const resource = resources.find(({ resourceName }) => resourceName === topic);
    if (resource === undefined) throw new Error(`the broker did not describe topic ${topic}`);
    const value = (name: string) =>
      resource.configEntries.find((entry) => entry.configName === name)?.configValue as
        string | null | undefined;
    const policy = value('cleanup.policy');
    if (policy === null || policy === undefined || policy === '')
      throw new Error(`topic ${topic} has no readable cleanup.policy`);
    return {
      topic,
      retentionMs: milliseconds(topic, 'retention.ms', value('retention.ms')),
      segmentMs: milliseconds(topic, 'segment.ms', value('segment.ms')),
      compacted: policy.split(',').includes('compact'),
    };
  });
}

/** Rows deleted by one statement, so that each one holds its locks briefly. */
const FORGET_BATCH = 1_000;

/**
 * Deletes `consumer`'s `processed_messages` rows that no record of their topic can repeat
 * any more: each topic of `topics` after its own `rememberProcessedFor`, the rows of earlier
 * releases (no topic) after the longest of them. Rows of a topic not in `topics` are kept.
 * A thousand rows a statement, until none is left or `stopped()`; rows another
 * transaction holds are left for next time (no waiting, no deadlock between instances).
 * Returns how many went.
 */
export async function forgetProcessedEvents(
  dataSource: DataSource,
  consumer: string,
  topics: readonly TopicRetention[],
  stopped: () => boolean = () => false,
): Promise<number> {
  const forgettable: { topic: string | null; keepMs: number }[] = [];
  for (const topic of topics) {
    const keepMs = rememberProcessedFor([topic]);
    if (keepMs !== undefined) forgettable.push({ topic: topic.topic, keepMs });
  }
  const keepUntopicedMs = rememberProcessedFor(topics);
  if (keepUntopicedMs !== undefined) forgettable.push({ topic: null, keepMs: keepUntopicedMs });
  let forgotten = 0;
  for (const { topic, keepMs } of forgettable) {
    // `= $4` and `IS NULL` each find the rows by the index; IS NOT DISTINCT FROM would not.
    const ofTopic = topic === null ? `"topic" IS NULL` : `"topic" = $4`;
    forgotten += await deleteInBatches(
      async (limit) => {
        const [, deleted] = (await dataSource.query(
          `DELETE FROM "processed_messages" WHERE ("consumer", "message_id") IN (
             SELECT "consumer", "message_id" FROM "processed_messages"
              WHERE "consumer" = $1 AND ${ofTopic}
                AND "processed_at" < now() - $2 * interval '1 millisecond'
              LIMIT $3 FOR UPDATE SKIP LOCKED)`,
          topic === null ? [consumer, keepMs, limit] : [consumer, keepMs, limit, topic],
        )) as [unknown, number];
        return deleted;
      },
      FORGET_BATCH,
      stopped,
    );
  }
  return forgotten;
}
