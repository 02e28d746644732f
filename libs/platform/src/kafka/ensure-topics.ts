import type { TopicSpec } from '@scale-chat/contracts';
import type { Admin } from 'kafkajs';

/**
 * Creates the declared topics that do not exist yet. Safe to run from many instances at
 * once: a topic another instance created in the meantime is not an error. The
 * replication factor is the broker's default (1 locally, 3 in the compose cluster).
 */
export async function ensureTopics(admin: Admin, topics: readonly TopicSpec[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.name));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({
      topic: topic.name,
      numPartitions: topic.partitions,
      configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({ name, value })),
    })),
  });
}
