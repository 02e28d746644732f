import { prefixedTopic } from '@scale-chat/contracts';
import { createKafkaClient, type ServiceConfig } from '@scale-chat/platform';
import type { Admin } from 'kafkajs';
import { Client } from 'pg';
import type { Logger } from 'pino';
import { EVENT_LOG_CONSUMER, EVENT_LOG_TOPICS } from './event-log.consumer';

/** Consumer group states in which no member holds the group (kafkajs' names). */
const IDLE_GROUP_STATES = new Set(['Empty', 'Dead']);

/**
 * Rebuilds the event log and every figure from the start of the topics: the consumer
 * group goes back to the earliest offsets, then the tables are emptied in one
 * transaction; the log-consumer, started again, reads everything anew. Every
 * log-consumer must be stopped first (the group must be idle), or it refuses.
 *
 * In that order, a failure half-way leaves nothing wrong: offsets reset but tables not
 * emptied only replays events the log already has, which it drops by id. It refuses when
 * a topic no longer starts at offset 0 (what the tables hold could not be read again),
 * and it looks at the group again before it commits.
 */
export async function rebuildEventLog(config: ServiceConfig, logger: Logger): Promise<void> {
  const groupId = `${config.kafkaGroupPrefix}.${EVENT_LOG_CONSUMER}`;
  const kafka = createKafkaClient({
    clientId: `${config.instanceId}-rebuild`,
    brokers: config.kafkaBrokers,
    security: config.kafkaSecurity,
    logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const state = await requireIdleGroup(admin, groupId);
    const existing = new Set(await admin.listTopics());
    const topics = EVENT_LOG_TOPICS.map(
      (spec) => prefixedTopic(spec, config.kafkaTopicPrefix).name,
    ).filter((topic) => existing.has(topic));
    // The topics are kept for good (retention -1); one that has lost its oldest records
    // (its retention changed by hand) cannot give back what the tables hold.
    for (const topic of topics) {
      for (const { partition, low } of await admin.fetchTopicOffsets(topic)) {
        if (low !== '0')
          throw new Error(
            `${topic} partition ${partition} starts at offset ${low}, not 0: its older events are gone from Kafka, and a rebuild would lose them`,
          );
      }
    }
    // A group that never was (`Dead`) starts at the earliest offsets anyway.
    for (const topic of state === 'Dead' ? [] : topics) {
      await admin.resetOffsets({ groupId, topic, earliest: true });
      logger.info({ groupId, topic }, 'consumer group reset to the earliest offsets');
    }
    await emptyEventLog(config, groupId, () => requireIdleGroup(admin, groupId));
  } finally {
    await admin.disconnect();
  }
  logger.info({ groupId }, 'event log emptied; start the log-consumer to read the topics again');
}

/** Empties the tables in one transaction, committed only if `stillIdle` holds at the end. */
async function emptyEventLog(
  config: ServiceConfig,
  groupId: string,
  stillIdle: () => Promise<unknown>,
): Promise<void> {
  const client = new Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL search_path TO "${config.databaseSchema}"`);
    await client.query(`TRUNCATE "events", "minute_counts", "word_counts", "message_words"`);
    await client.query(`UPDATE "totals" SET "value" = 0`);
    await client.query(`DELETE FROM "processed_messages" WHERE "consumer" = $1`, [groupId]);
    // A log-consumer that started meanwhile would have read into the tables being emptied.
    await stillIdle();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
}

/** The group's state, when no member holds it; otherwise a refusal. */
async function requireIdleGroup(admin: Admin, groupId: string): Promise<string> {
  const { groups } = await admin.describeGroups([groupId]);
  const state = groups[0]?.state ?? 'Dead';
  if (!IDLE_GROUP_STATES.has(state))
    throw new Error(
      `consumer group ${groupId} is ${state}: stop every log-consumer before rebuilding`,
    );
  return state;
}
