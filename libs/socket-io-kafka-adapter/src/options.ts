/** pino-compatible: `logger.warn({ fields }, 'message')`. */
export interface AdapterLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface KafkaAdapterOptions {
  /** The cluster topic (one partition; created if missing). Default `socketio.events`. */
  readonly topic?: string;
  /** Each instance consumes with its own group `<prefix>-<uid>`. Default `socketio`. */
  readonly groupIdPrefix?: string;
  /** How often an instance announces itself. Default 5,000 ms. */
  readonly heartbeatInterval?: number;
  /** An instance not heard from for this long is dropped. Default 10,000 ms. */
  readonly heartbeatTimeout?: number;
  /** How long fetchSockets and serverSideEmit with acks wait for answers. Default 5,000 ms. */
  readonly requestsTimeout?: number;
  /** Records waiting for the broker at most before publishes are refused. Default 100,000. */
  readonly maxBufferedPublishes?: number;
  /** Records per produce request at most. Default 500. */
  readonly maxPublishBatch?: number;
  /** `retention.ms` of a topic the adapter creates. Default one hour. */
  readonly topicRetentionMs?: number;
  /** How long `start` waits to see its own first heartbeat come back. Default 30,000 ms. */
  readonly startTimeout?: number;
  readonly logger?: AdapterLogger;
}

export type ResolvedOptions = Required<KafkaAdapterOptions>;

const consoleLogger: AdapterLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(`[socket.io-kafka-adapter] ${message}`, fields),
  error: (fields, message) => console.error(`[socket.io-kafka-adapter] ${message}`, fields),
};

export function resolveOptions(options: KafkaAdapterOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    topic: 'socketio.events',
    groupIdPrefix: 'socketio',
    heartbeatInterval: 5_000,
    heartbeatTimeout: 10_000,
    requestsTimeout: 5_000,
    maxBufferedPublishes: 100_000,
    maxPublishBatch: 500,
    topicRetentionMs: 3_600_000,
    startTimeout: 30_000,
    logger: consoleLogger,
    ...options,
  };
  if (resolved.heartbeatTimeout <= resolved.heartbeatInterval) {
    throw new Error('heartbeatTimeout must be longer than heartbeatInterval');
  }
  return resolved;
}
