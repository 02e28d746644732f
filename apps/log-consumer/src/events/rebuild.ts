import { prefixedTopic } from '@scale-chat/contracts';
import { createKafkaClient, type ServiceConfig } from '@scale-chat/platform';
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
 * emptied only replays events the log already has, which it drops by id.
 */
export async function rebuildEventLog(config: ServiceConfig, logger: Logger): Promise<void> {
  const groupId = `${config.kafkaGroupPrefix}.${EVENT_LOG_CONSUMER}`;
  const kafka = createKafkaClient({
    clientId: `${config.instanceId}-rebuild`,
    brokers: config.kafkaBrokers,
    logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const state = groups[0]?.state ?? 'Dead';
    if (!IDLE_GROUP_STATES.has(state)) {
      throw new Error(
        `consumer group ${groupId} is ${state}: stop every log-consumer before rebuilding`,
      );
    }
    const existing = new Set(await admin.listTopics());
    for (const spec of EVENT_LOG_TOPICS) {
      const topic = prefixedTopic(spec, config.kafkaTopicPrefix).name;
      if (!existing.has(topic) || state === 'Dead') continue;
      await admin.resetOffsets({ groupId, topic, earliest: true });
      logger.info({ groupId, topic }, 'consumer group reset to the earliest offsets');
    }
  } finally {
    await admin.disconnect();
  }

  const client = new Client({ connectionString: config.databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL search_path TO "${config.databaseSchema}"`);
    await client.query(`TRUNCATE "events", "minute_counts", "word_counts"`);
    await client.query(`UPDATE "totals" SET "value" = 0`);
    await client.query(`DELETE FROM "processed_messages" WHERE "consumer" = $1`, [groupId]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    await client.end();
  }
  logger.info({ groupId }, 'event log emptied; start the log-consumer to read the topics again');
}
