import type { TopicSpec } from '@scale-chat/contracts';
import type { Admin } from 'kafkajs';

const LEADERS_TIMEOUT_MS = 30_000;

/** True when every error Kafka gave is "the topic exists": another instance made it first. */
function onlyAlreadyExists(error: unknown): boolean {
  const { type, errors } = error as { type?: string; errors?: { type?: string }[] };
  if (type === 'TOPIC_ALREADY_EXISTS') return true;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((entry) => entry.type === 'TOPIC_ALREADY_EXISTS')
  );
}

/**
 * Creates the declared topics that do not exist yet, and returns once every partition of
 * every one has a leader, so producing and subscribing right after it work. Safe to run
 * from many instances at once: a topic another instance is creating is not an error, it
 * is waited for. The replication factor is the broker's default (1 locally, 3 in the
 * compose cluster).
 */
export async function ensureTopics(admin: Admin, topics: readonly TopicSpec[]): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.name));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        // kafkajs's own wait gives up when a fresh broker does not host the topic yet
        // (UNKNOWN_TOPIC_OR_PARTITION); the wait below tolerates that.
        waitForLeaders: false,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          configEntries: Object.entries(topic.config ?? {}).map(([name, value]) => ({
            name,
            value,
          })),
        })),
      });
    } catch (error) {
      if (!onlyAlreadyExists(error)) throw error;
    }
  }
  await waitForLeaders(
    admin,
    topics.map((topic) => topic.name),
  );
}

async function waitForLeaders(admin: Admin, names: string[]): Promise<void> {
  const deadline = Date.now() + LEADERS_TIMEOUT_MS;
  for (;;) {
    let ready = false;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: names });
      ready = metadata.topics.every(
        (topic) =>
          topic.partitions.length > 0 &&
          topic.partitions.every((partition) => partition.leader >= 0),
      );
    } catch (error) {
      // While another instance is still creating a topic the broker may not host it yet.
      if (Date.now() > deadline) throw error;
    }
    if (ready) return;
    if (Date.now() > deadline)
      throw new Error(`topics ${names.join(', ')} have no leaders after ${LEADERS_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
