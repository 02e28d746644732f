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
  /**
   * Bytes per produce request at most. Default 1,000,000, under the broker's default
   * `message.max.bytes` (1,048,588): it refuses a larger record batch for good.
   */
  readonly maxPublishBatchBytes?: number;
  /** `retention.ms` of a topic the adapter creates. Default one hour. */
  readonly topicRetentionMs?: number;
  /**
   * `max.message.bytes` of a topic the adapter creates: the largest broadcast it can
   * carry (encoded). Default 16 MiB; Kafka's own default is 1 MiB.
   */
  readonly topicMaxMessageBytes?: number;
  /** How long `start` waits to see its own first heartbeat come back. Default 30,000 ms. */
  readonly startTimeout?: number;
  /**
   * Places a broadcast in an ordered stream (a chat room's messages by their sequence
   * number), or says it is in none (undefined, the default for every broadcast). Each
   * instance delivers a stream's broadcasts only forward: one at or before the position
   * it last delivered for that stream is a repeat (a sender that took over from a dead
   * one and sent again) and is dropped. Every instance reads the topic in one order, so
   * all drop the same repeats, and each client gets each broadcast once.
   */
  readonly positionOf?: (packet: BroadcastPacket) => StreamPosition | undefined;
  /**
   * Decides what a socket coming back (connection-state recovery) may keep, before any of
   * its state is restored and before the middlewares run: an application's memberships
   * change while a socket is away. Given the session as it was, it returns the rooms the
   * socket may be in now, or undefined to restore nothing (the socket starts afresh). The
   * missed packets replayed are only those meant for the rooms kept. A rejection also
   * restores nothing. Default: the session comes back as it was.
   */
  readonly roomsOnRecovery?: (session: RecoveringSession) => Promise<readonly string[] | undefined>;
  readonly logger?: AdapterLogger;
}

/** What `roomsOnRecovery` is shown of a session about to be restored. */
export interface RecoveringSession {
  /** The socket's `data` when it dropped (what the application put there). */
  readonly data: unknown;
  /** The rooms it was in, its own id's among them. */
  readonly rooms: readonly string[];
}

/** What `positionOf` is shown of a broadcast: Socket.IO's packet type and its data. */
export interface BroadcastPacket {
  readonly type: number;
  readonly data?: unknown;
}

export interface StreamPosition {
  readonly stream: string;
  readonly position: number;
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
    maxPublishBatchBytes: 1_000_000,
    topicRetentionMs: 3_600_000,
    topicMaxMessageBytes: 16 * 1024 * 1024,
    startTimeout: 30_000,
    positionOf: () => undefined,
    roomsOnRecovery: (session) => Promise.resolve(session.rooms),
    logger: consoleLogger,
    ...options,
  };
  if (resolved.heartbeatTimeout <= resolved.heartbeatInterval) {
    throw new Error('heartbeatTimeout must be longer than heartbeatInterval');
  }
  return resolved;
}
