import type { TopicSpec } from '@scale-chat/contracts';
import { ConfigResourceTypes, ConfigSource, type Admin } from 'kafkajs';

const LEADERS_TIMEOUT_MS = 30_000;

/** Kafka's answers to a request this client may not make. */
const REFUSALS: ReadonlySet<string> = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'POLICY_VIOLATION',
]);
/** "The topic exists": another instance made it first. */
const ALREADY_EXISTS: ReadonlySet<string> = new Set(['TOPIC_ALREADY_EXISTS']);

/** True when every error Kafka gave (one, or one per topic) is of `types`. */
function onlyErrorsOf(error: unknown, types: ReadonlySet<string>): boolean {
  const { type, errors } = error as { type?: string; errors?: { type?: string }[] };
  if (type !== undefined && types.has(type)) return true;
  return (
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((entry) => entry.type !== undefined && types.has(entry.type))
  );
}

/**
 * Creates the declared topics that do not exist yet, gives those that existed already
 * the declared configuration (`updateConfigs`), and returns once every partition of
 * every one has a leader, so producing and subscribing right after it work. Safe to run
 * from many instances at once: a topic another instance is creating is not an error, it
 * is waited for. The replication factor is the broker's default (1 locally, 3 in the
 * compose cluster).
 */
export async function ensureTopics(
  admin: Admin,
  topics: readonly TopicSpec[],
  logger?: ConfigUpdateLogger,
): Promise<void> {
  if (topics.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic.name));
  const made = topics.filter((topic) => existing.has(topic.name));
  try {
    await updateConfigs(admin, made, logger);
  } catch (error) {
    // Not allowed to (ACLs, a policy): the topics work as they are, which the log says.
    // Anything else (the broker away a moment) fails as creating a topic would.
    if (logger === undefined || !onlyErrorsOf(error, REFUSALS)) throw error;
    logger.warn(
      { err: error, topics: made.map((topic) => topic.name) },
      'not allowed to give existing topics their declared configuration',
    );
  }
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
      if (!onlyErrorsOf(error, ALREADY_EXISTS)) throw error;
    }
  }
  await waitForLeaders(
    admin,
    topics.map((topic) => topic.name),
  );
}

/** Where `ensureTopics` says it could not update an existing topic's configuration. */
export interface ConfigUpdateLogger {
  warn(fields: object, message: string): void;
}

/**
 * Gives topics made by an earlier release the settings declared since (`max.message.bytes`,
 * say) that they do not have: a setting a topic has already, an operator's or an earlier
 * declaration's, is never changed. kafkajs has only Kafka's non-incremental AlterConfigs,
 * which resets whatever it is not given, so each topic's own settings are read first and
 * given back with the new ones; a topic with one it cannot read back (a sensitive value)
 * is left alone.
 */
async function updateConfigs(
  admin: Admin,
  topics: readonly TopicSpec[],
  logger: ConfigUpdateLogger | undefined,
): Promise<void> {
  const declared = new Map(
    topics
      .filter((topic) => Object.keys(topic.config ?? {}).length > 0)
      .map((topic) => [topic.name, topic.config ?? {}]),
  );
  if (declared.size === 0) return;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [...declared.keys()].map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  const changes = resources.flatMap(({ resourceName, configEntries }) => {
    const wanted = declared.get(resourceName) ?? {};
    const ownEntries = configEntries.filter(
      (entry) => entry.configSource === ConfigSource.TOPIC_CONFIG,
    );
    const own: Record<string, string> = Object.fromEntries(
      ownEntries.map((entry) => [entry.configName, entry.configValue]),
    );
    const missing = Object.keys(wanted).filter((name) => !Object.hasOwn(own, name));
    const differing = Object.entries(wanted).filter(
      ([name, value]) => Object.hasOwn(own, name) && own[name] !== value,
    );
    if (differing.length > 0) {
      logger?.warn(
        { topic: resourceName, declared: Object.fromEntries(differing), own },
        "a topic's own settings differ from the declared ones; they are kept",
      );
    }
    if (
      missing.length === 0 ||
      ownEntries.some((entry) => (entry.configValue as string | null) === null)
    )
      return [];
    return [
      {
        type: ConfigResourceTypes.TOPIC,
        name: resourceName,
        configEntries: Object.entries({ ...wanted, ...own }).map(([name, value]) => ({
          name,
          value,
        })),
      },
    ];
  });
  if (changes.length > 0) await admin.alterConfigs({ validateOnly: false, resources: changes });
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
