import { Kafka, logLevel, type LogEntry, type logCreator, type RetryOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { kafkajsSecurity, type KafkaSecurity } from './kafka-security';
import { RepeatedLines } from './repeated-lines';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** How often a failed connection or request is retried (kafkajs' default: 5 times). */
  readonly retry?: RetryOptions;
  /** TLS and SASL to the brokers (the service's `kafkaSecurity`); none: plaintext. */
  readonly security?: KafkaSecurity;
}

type Level = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<logLevel, Level | undefined> = {
  [logLevel.NOTHING]: undefined,
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Broker answers that mean "not yet, ask again" in a cluster's normal life (a topic just
 * created, a group's coordinator still loading or moving, a rebalance, a leader being
 * elected), as kafkajs 2.2.4 words them. kafkajs logs every failed response at ERROR
 * and then retries or rejoins by itself; a failure that outlasts its retries reaches the
 * caller and is logged there. So these are debug lines, not errors an operator must read.
 */
const TRANSIENT_BROKER_ANSWERS = new Set([
  'This server does not host this topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server is not the leader for that topic-partition',
  "The coordinator is loading and hence can't process requests for this group",
  'The group coordinator is not available',
  'This is not the correct coordinator for this group',
  'The group is rebalancing, so a rejoin is needed',
]);

/** A kafkajs connection's line for one failed response: `Response Metadata(key: 3, version: 6)`. */
const FAILED_RESPONSE = /^Response \w+\(key: \d+, version: \d+\)$/;

/**
 * A CreateTopics answer with an error for some topic. Services starting together race to
 * create the same topics, and all but one hear TOPIC_ALREADY_EXISTS, which `ensureTopics`
 * takes as done; any other error it throws, and the start fails saying so. kafkajs logs
 * the answer at ERROR first, before anyone can tell which it was.
 */
const CREATE_TOPICS_RESPONSE = /^Response CreateTopics\(key: \d+, version: \d+\)$/;
const TOPIC_CREATION_ERRORS = 'Topic creation errors';

/** The pino level of a kafkajs log entry (undefined: not logged). */
export function levelOf({ level, log }: Pick<LogEntry, 'level' | 'log'>): Level | undefined {
  const method = LEVELS[level];
  if (method !== 'error') return method;
  const error = String((log as { error?: unknown }).error);
  if (FAILED_RESPONSE.test(log.message) && TRANSIENT_BROKER_ANSWERS.has(error)) return 'debug';
  if (CREATE_TOPICS_RESPONSE.test(log.message) && error === TOPIC_CREATION_ERRORS) return 'debug';
  return method;
}

/**
 * kafkajs writes through the service's own pino logger, so its lines are structured too.
 * A warning or error repeated within 10 s (the same text and error: a broker away, retried
 * by every client) is held back, and the next one written says how many it stands for
 * (`repeatsHeldBack`).
 */
function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const repeated = new RepeatedLines();
  return () => (entry: LogEntry) => {
    const method = levelOf(entry);
    if (method === undefined) return;
    const { message, ...fields } = entry.log;
    if (method === 'error' || method === 'warn') {
      const error = (fields as { error?: unknown }).error;
      const held = repeated.admit(`${method} ${message} ${String(error)}`);
      if (held === undefined) return;
      if (held > 0) Object.assign(fields, { repeatsHeldBack: held });
    }
    kafkaLogger[method](fields, message);
  };
}

/** How long a client waits for any broker's answer. */
export const KAFKA_REQUEST_TIMEOUT_MS = 10_000;

/**
 * The `timeout` of a produce request with acks from all in-sync replicas: the broker
 * answers within it (REQUEST_TIMED_OUT, retried), before the client gives up on the
 * request at `KAFKA_REQUEST_TIMEOUT_MS`. Kafka's default, 30 s, let a stalled follower
 * hold a request past the client's wait, which sent it again while the first still stood.
 */
export const PRODUCE_ACK_TIMEOUT_MS = 8_000;

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3_000,
    requestTimeout: KAFKA_REQUEST_TIMEOUT_MS,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    ...kafkajsSecurity(options.security ?? {}),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
}
