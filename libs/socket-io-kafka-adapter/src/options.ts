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
  /**
   * An instance not heard from for this long is dropped (within a second more: liveness is
   * checked every second). Longer than `heartbeatInterval`. Default 10,000 ms.
   */
  readonly heartbeatTimeout?: number;
  /**
   * How long fetchSockets and serverSideEmit with acks wait for answers. Default
   * `heartbeatTimeout` + two liveness checks (`livenessCheckInterval`: a second, or the
   * heartbeat interval if shorter), 12,000 ms: longer than it takes to drop a dead
   * instance, so a request made as one died settles with the others' answers rather than
   * failing. A reconnecting client's handshake waits at most 5 s of it for recovery.
   */
  readonly requestsTimeout?: number;
  /** Records waiting for the broker at most before publishes are refused. Default 100,000. */
  readonly maxBufferedPublishes?: number;
  /**
   * Bytes of records waiting for the broker at most before publishes are refused (a broker
   * away while large broadcasts go out would otherwise fill the heap before the record
   * count). Default 64 MiB; a record larger than this still goes when nothing waits.
   */
  readonly maxBufferedPublishBytes?: number;
  /** Records per produce request at most. Default 500; at most 5,000. */
  readonly maxPublishBatch?: number;
  /**
   * Bytes per produce request at most. Default 1,000,000, under the broker's default
   * `message.max.bytes` (1,048,588): it refuses a larger record batch for good.
   */
  readonly maxPublishBatchBytes?: number;
  /**
   * `retention.ms` of a topic the adapter creates (its `segment.ms` no longer than that,
   * at most 10 minutes, so records do go then). Default one hour.
   */
  readonly topicRetentionMs?: number;
  /**
   * `max.message.bytes` of a topic the adapter creates: the largest broadcast it can
   * carry (encoded). Default 16 MiB; Kafka's own default is 1 MiB.
   */
  readonly topicMaxMessageBytes?: number;
  /**
   * How long `start` waits for the topic's leader and to see its own first heartbeat come
   * back. Default 30,000 ms.
   */
  readonly startTimeout?: number;
  /**
   * The session timeout of the instance's consumer group. After the broker restarts, the
   * consumer rejoins as a new member and Kafka holds the group until the member it had
   * before the crash times out: this long without hearing the topic. Default 10,000 ms;
   * the broker refuses less than its `group.min.session.timeout.ms` (6,000 by default).
   */
  readonly consumerSessionTimeout?: number;
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
  /**
   * Whether a `fetchSockets` answer carries a socket's credentials to the instance that
   * asked: its handshake's `auth` (where clients put their tokens) and its
   * `authorization`, `cookie` and `proxy-authorization` headers. The answer is a record
   * in the topic, readable by whoever can read it for `topicRetentionMs`. Default false:
   * they stay on the socket's own instance; keep what other instances need of a socket
   * in `socket.data`, which travels.
   */
  readonly shareHandshakeCredentials?: boolean;
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

/**
 * The most records a produce request may hold. A retried request that had landed after
 * all writes its records again, at most two requests' worth behind the last record read
 * from its sender; every instance drops those as duplicates (`KafkaBus`), and only those.
 */
export const MAX_PUBLISH_BATCH = 5_000;

/** The longest delay Node's timers take: a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * How often an instance checks whether its peers are alive: every second, as
 * socket.io-adapter's `ClusterAdapterWithHeartbeat` does, or at each heartbeat when those
 * are more frequent. Apart from the heartbeat, so a peer is dropped at most this long
 * after its `heartbeatTimeout` ran out, not a whole heartbeat interval later.
 */
export function livenessCheckInterval(options: Pick<ResolvedOptions, 'heartbeatInterval'>): number {
  return Math.min(1_000, options.heartbeatInterval);
}

const consoleLogger: AdapterLogger = {
  info: () => undefined,
  warn: (fields, message) => console.warn(`[socket.io-kafka-adapter] ${message}`, fields),
  error: (fields, message) => console.error(`[socket.io-kafka-adapter] ${message}`, fields),
};

const defaults: Omit<ResolvedOptions, 'requestsTimeout'> = {
  topic: 'socketio.events',
  groupIdPrefix: 'socketio',
  heartbeatInterval: 5_000,
  heartbeatTimeout: 10_000,
  maxBufferedPublishes: 100_000,
  maxBufferedPublishBytes: 64 * 1024 * 1024,
  maxPublishBatch: 500,
  maxPublishBatchBytes: 1_000_000,
  topicRetentionMs: 3_600_000,
  topicMaxMessageBytes: 16 * 1024 * 1024,
  startTimeout: 30_000,
  consumerSessionTimeout: 10_000,
  positionOf: () => undefined,
  roomsOnRecovery: (session) => Promise.resolve(session.rooms),
  shareHandshakeCredentials: false,
  logger: consoleLogger,
};

/**
 * Long enough for a request to outlast the detection of a peer that died just before it
 * (dropped at most `heartbeatTimeout` and a liveness check after its last heartbeat was
 * read, plus a check's worth for the consumer's lag): such a request then settles with
 * everyone else's answers instead of failing. 12,000 ms with the default heartbeats.
 */
function defaultRequestsTimeout(
  options: Pick<ResolvedOptions, 'heartbeatInterval' | 'heartbeatTimeout'>,
): number {
  return Math.min(MAX_TIMER_MS, options.heartbeatTimeout + 2 * livenessCheckInterval(options));
}

/**
 * The options with their defaults, checked. An option given as `undefined` takes its
 * default (a spread would copy the `undefined` over it); a wrong one throws a TypeError
 * naming it, here rather than as a 1 ms heartbeat or a crash on the first record.
 */
export function resolveOptions(options: KafkaAdapterOptions): ResolvedOptions {
  const given = withoutUndefined(options);
  const merged = { ...defaults, ...given };
  const resolved: ResolvedOptions = {
    ...merged,
    requestsTimeout: given.requestsTimeout ?? defaultRequestsTimeout(merged),
  };
  checkOptions(resolved);
  warnOnShortRequests(resolved);
  return resolved;
}

function withoutUndefined(options: KafkaAdapterOptions): KafkaAdapterOptions {
  return Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined),
  ) as KafkaAdapterOptions;
}

const invalid = (name: string, expected: string, value: unknown): never => {
  const got = typeof value === 'number' || typeof value === 'string' ? String(value) : typeof value;
  throw new TypeError(`socket.io-kafka-adapter: option ${name} must be ${expected} (got ${got})`);
};

/** Milliseconds that go into timers: positive and finite, and within what a timer takes. */
function checkDuration(name: keyof ResolvedOptions, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS)
    invalid(name, `a positive number of milliseconds up to ${MAX_TIMER_MS}`, value);
}

/** Counts and sizes (also retention.ms, which Kafka takes as a whole number). */
function checkCount(
  name: keyof ResolvedOptions,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max)
    invalid(name, `a positive integer up to ${max}`, value);
}

function checkOptions(options: ResolvedOptions): void {
  for (const name of ['topic', 'groupIdPrefix'] as const) {
    if (typeof options[name] !== 'string' || options[name] === '')
      invalid(name, 'a non-empty string', options[name]);
  }
  for (const name of [
    'heartbeatInterval',
    'heartbeatTimeout',
    'requestsTimeout',
    'startTimeout',
    'consumerSessionTimeout',
  ] as const)
    checkDuration(name, options[name]);
  for (const name of [
    'maxBufferedPublishes',
    'maxBufferedPublishBytes',
    'maxPublishBatchBytes',
    'topicMaxMessageBytes',
  ] as const)
    checkCount(name, options[name]);
  // Kafka's own "kept for good" is -1.
  if (options.topicRetentionMs !== -1) checkCount('topicRetentionMs', options.topicRetentionMs);
  checkCount('maxPublishBatch', options.maxPublishBatch, MAX_PUBLISH_BATCH);
  if (typeof options.shareHandshakeCredentials !== 'boolean')
    invalid('shareHandshakeCredentials', 'a boolean', options.shareHandshakeCredentials);
  for (const name of ['positionOf', 'roomsOnRecovery'] as const) {
    if (typeof options[name] !== 'function') invalid(name, 'a function', options[name]);
  }
  const { logger } = options;
  if (
    typeof logger !== 'object' ||
    logger === null ||
    [logger.info, logger.warn, logger.error].some((method) => typeof method !== 'function')
  )
    invalid('logger', 'an object with info, warn and error methods', logger);
  if (options.heartbeatTimeout <= options.heartbeatInterval)
    invalid(
      'heartbeatTimeout',
      `longer than heartbeatInterval (${options.heartbeatInterval} ms)`,
      options.heartbeatTimeout,
    );
}

/**
 * A request shorter than the detection of a dead peer fails when a peer died just before
 * it, rather than settling with the others' answers. A choice (fail fast), not an error:
 * said once, at start.
 */
function warnOnShortRequests(options: ResolvedOptions): void {
  const detection = options.heartbeatTimeout + livenessCheckInterval(options);
  if (options.requestsTimeout > detection) return;
  options.logger.warn(
    { requestsTimeout: options.requestsTimeout, detection },
    'requestsTimeout is not longer than heartbeatTimeout and a liveness check: a fetchSockets or serverSideEmit with acks made just after a peer died fails instead of settling without it',
  );
}
