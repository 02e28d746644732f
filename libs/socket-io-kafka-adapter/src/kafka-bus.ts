import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  Partitioners,
  type Admin,
  type Consumer,
  type Kafka,
  type PartitionMetadata,
  type Producer,
} from 'kafkajs';
import {
  decodeMessage,
  encodeMessage,
  MalformedMessageError,
  MessageType,
  type ClusterMessage,
  type Unsent,
} from './messages';
import { livenessCheckInterval, MAX_PUBLISH_BATCH, type ResolvedOptions } from './options';
import { OrderedPublisher } from './publisher';

/** What the bus hands each namespace's adapter. */
export interface BusMember {
  readonly nspName: string;
  onMessage(message: ClusterMessage, offset: number): void;
  onPeerLost(uid: string): void;
  /** A peer is heard from: a new one, or one dropped before that is back. */
  onPeerSeen(uid: string): void;
  onTick(): void;
}

export interface BusStats {
  published: number;
  consumed: number;
  malformed: number;
  duplicates: number;
  publishErrors: number;
  refused: number;
}

export interface BusHealth {
  readonly healthy: boolean;
  readonly reason?: string;
  readonly peers: number;
  readonly bufferedPublishes: number;
  readonly bufferedPublishBytes: number;
}

type State = 'new' | 'starting' | 'ready' | 'failed' | 'closed';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * How far below the highest sequence number read from a sender a duplicate can be. A
 * retry writes again only the request that failed (one at a time, at most
 * `MAX_PUBLISH_BATCH` records), right after its first copy.
 */
const DUPLICATE_WINDOW = 2 * MAX_PUBLISH_BATCH;

/**
 * How long what was read from a sender is kept once it is silent (then forgotten, so
 * that the senders of a long-lived instance, each restart a new one, do not add up): well
 * past the heartbeat timeout, since a request that landed but timed out on its producer
 * (kafkajs waits 30 s, and retries) is written again that much later.
 */
const SEQ_MEMORY_MS = 300_000;

/**
 * The sequence numbers read lately from one sender: the highest, and which of the
 * `DUPLICATE_WINDOW` below it were read, a bit each. A record is a duplicate only when
 * its own number was read already, so a stray or forged record in a sender's name costs
 * at most the one record whose number it took, never those after it; one far below the
 * highest (after a forged huge number) starts the window afresh.
 */
class SeenWindow {
  private readonly bits = new Uint8Array(DUPLICATE_WINDOW / 8);
  private top: number;

  constructor(
    seq: number,
    public readAt: number,
  ) {
    this.top = seq;
    this.mark(seq, true);
  }

  /** Notes `seq` as read; false when it was read already. */
  add(seq: number, now: number): boolean {
    this.readAt = now;
    if (seq > this.top) {
      if (seq - this.top >= DUPLICATE_WINDOW) this.bits.fill(0);
      else for (let skipped = this.top + 1; skipped < seq; skipped++) this.mark(skipped, false);
      this.top = seq;
    } else if (seq <= this.top - DUPLICATE_WINDOW) {
      this.bits.fill(0);
      this.top = seq;
    } else if (this.isMarked(seq)) {
      return false;
    }
    this.mark(seq, true);
    return true;
  }

  private isMarked(seq: number): boolean {
    const slot = slotOf(seq);
    return ((this.bits[slot >> 3] ?? 0) & (1 << (slot & 7))) !== 0;
  }

  private mark(seq: number, read: boolean): void {
    const slot = slotOf(seq);
    const byte = this.bits[slot >> 3] ?? 0;
    this.bits[slot >> 3] = read ? byte | (1 << (slot & 7)) : byte & ~(1 << (slot & 7));
  }
}

const slotOf = (seq: number) => ((seq % DUPLICATE_WINDOW) + DUPLICATE_WINDOW) % DUPLICATE_WINDOW;

/**
 * One Kafka connection per Socket.IO server, shared by the adapters of all its
 * namespaces: an ordered publisher, a consumer in a group of its own (every instance
 * reads every record), and the membership of the cluster learnt from heartbeats.
 *
 * Events: `publish_error` (error, buffered), `publish_recovered`, `malformed` (error),
 * `consumer_failed` (error), `peer_joined` (uid), `peer_left` (uid).
 */
export class KafkaBus extends EventEmitter {
  readonly uid = randomBytes(8).toString('hex');
  readonly stats: BusStats = {
    published: 0,
    consumed: 0,
    malformed: 0,
    duplicates: 0,
    publishErrors: 0,
    refused: 0,
  };

  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly publisher: OrderedPublisher;
  private readonly members = new Map<string, BusMember>();
  private readonly peers = new Map<string, number>();
  /** What was read lately from each sender, to drop records written twice by a retry. */
  private readonly seen = new Map<string, SeenWindow>();
  private readonly groupId: string;
  private seq = 0;
  private state: State = 'new';
  private failure: string | undefined;
  private started: Promise<void> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private livenessTimer: NodeJS.Timeout | undefined;
  private consumedOffset = -1;
  private ownHeartbeatSeenAt = 0;

  constructor(
    kafka: Kafka,
    readonly options: ResolvedOptions,
  ) {
    super();
    this.groupId = `${options.groupIdPrefix}-${this.uid}`;
    this.producer = kafka.producer({
      // One request in flight keeps the records in order. Not kafkajs' idempotent mode:
      // after a stalled broker (a produce timing out mid-retry) its sequence numbers can
      // fall out of step with the broker's, and from then on every request is refused
      // with OUT_OF_ORDER_SEQUENCE_NUMBER for good (seen in the resilience suite's Kafka
      // pause). Every record carries this instance's uid and sequence number instead, and
      // a record written twice by a retry is dropped when it is read (`receive`).
      idempotent: false,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // A few quick retries inside kafkajs, then the publisher reports the failure and
      // retries itself.
      retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: 250,
      sessionTimeout: options.consumerSessionTimeout,
      heartbeatInterval: Math.min(3_000, Math.floor(options.consumerSessionTimeout / 3)),
      // A crash while the bus closes (its fetch cut off by the disconnect) is not restarted:
      // kafkajs clears a restart already scheduled when it disconnects, not one scheduled
      // after, which would connect again behind a closed bus (seen in a CI run: a test's
      // process went on connecting after it had ended).
      retry: { restartOnFailure: () => Promise.resolve(this.state !== 'closed') },
    });
    this.admin = kafka.admin();
    this.publisher = new OrderedPublisher({
      producer: this.producer,
      topic: options.topic,
      maxBuffered: options.maxBufferedPublishes,
      maxBufferedBytes: options.maxBufferedPublishBytes,
      maxBatch: options.maxPublishBatch,
      maxBatchBytes: options.maxPublishBatchBytes,
      onError: (error, buffered) => this.publishFailed(error, buffered),
      onRecovered: () => {
        options.logger.info(
          { buffered: this.publisher.buffered },
          'publishing to Kafka works again',
        );
        this.emit('publish_recovered');
      },
    });
  }

  /** Connects, joins the cluster and resolves once this instance reads the topic. */
  start(): Promise<void> {
    this.started ??= this.run();
    return this.started;
  }

  register(member: BusMember): void {
    this.members.set(member.nspName, member);
  }

  /** Removes a namespace's adapter; the bus closes with the last one. */
  async unregister(member: BusMember): Promise<void> {
    this.members.delete(member.nspName);
    if (this.members.size === 0) await this.close();
  }

  /**
   * Rejects, never throws, for a record it refuses: its callers run in timers and inside
   * Socket.IO's socket cleanup, where a throw would crash the process or skip the cleanup.
   * A record that cannot be encoded (a BigInt, a Symbol or a cycle in `socket.data`) is
   * refused, reported and counted like one refused for a full buffer, and uses up no
   * sequence number.
   */
  publish(message: Unsent<ClusterMessage>, key: string): Promise<void> {
    this.stats.published += 1;
    let value: Buffer;
    try {
      value = encodeMessage({ ...message, uid: this.uid, seq: this.seq } as ClusterMessage);
    } catch (error) {
      const refused = new Error(
        `a ${MessageType[message.type]} record cannot be encoded: ${errorMessage(error)}`,
        { cause: error },
      );
      this.publishFailed(refused, this.publisher.buffered);
      this.stats.refused += 1;
      return Promise.reject(refused);
    }
    this.seq += 1;
    return this.publisher.publish(key, value).catch((error: unknown) => {
      this.stats.refused += 1;
      throw error;
    });
  }

  private publishFailed(error: Error, buffered: number): void {
    this.stats.publishErrors += 1;
    this.options.logger.error({ err: error, buffered }, 'publishing to Kafka failed');
    this.emit('publish_error', error, buffered);
  }

  /** Resolves once everything this instance published so far is in Kafka, or was refused. */
  settled(): Promise<void> {
    return this.publisher.settled();
  }

  /** Whether publishing fails at the moment: the last produce request did, and is retried. */
  get publishFailing(): boolean {
    return this.publisher.failing;
  }

  /** How long the oldest record this instance has not got into Kafka yet has waited (ms). */
  get oldestPublishWaitMs(): number {
    return this.publisher.oldestWaitMs;
  }

  peerIds(): string[] {
    return [...this.peers.keys()];
  }

  serverCount(): number {
    return this.peers.size + 1;
  }

  /**
   * Healthy while it is running and reads the topic: an instance that has not read its
   * own heartbeat back within the heartbeat timeout is deaf (consumer stalled or stopped,
   * broker unreachable) and says so, rather than running on without hearing the others.
   */
  health(): BusHealth {
    const common = {
      peers: this.peers.size,
      bufferedPublishes: this.publisher.buffered,
      bufferedPublishBytes: this.publisher.bufferedBytes,
    };
    if (this.state !== 'ready')
      return { healthy: false, reason: this.failure ?? `adapter is ${this.state}`, ...common };
    const silentFor = Date.now() - this.ownHeartbeatSeenAt;
    if (this.isDeaf()) {
      return {
        healthy: false,
        reason: `has not read its own heartbeat for ${silentFor} ms`,
        ...common,
      };
    }
    return { healthy: true, ...common };
  }

  /** Resolves once every record written before the call has been read here. */
  async waitUntilCaughtUp(timeoutMs: number): Promise<void> {
    const [partition] = await this.admin.fetchTopicOffsets(this.options.topic);
    const last = Number(partition?.high ?? 0) - 1;
    const deadline = Date.now() + timeoutMs;
    while (this.consumedOffset < last) {
      if (Date.now() > deadline)
        throw new Error(`not caught up with offset ${last} within ${timeoutMs} ms`);
      await sleep(5);
    }
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'ready';
    this.state = 'closed';
    this.stopTimers();
    if (wasRunning) {
      // Tell the others at once rather than leaving them to the heartbeat timeout; if it
      // cannot be sent, the heartbeat timeout tells them instead.
      this.publish({ type: MessageType.Close }, this.uid).catch(() => undefined);
    }
    await this.publisher.close(2_000);
    await this.disconnect();
  }

  private async disconnect(): Promise<void> {
    await this.consumer.disconnect();
    await this.producer.disconnect();
    try {
      await this.admin.deleteGroups([this.groupId]);
    } catch (error) {
      this.options.logger.warn(
        { err: error, groupId: this.groupId },
        'could not delete the consumer group',
      );
    }
    await this.admin.disconnect();
  }

  private async run(): Promise<void> {
    this.state = 'starting';
    try {
      await Promise.all([this.admin.connect(), this.producer.connect(), this.consumer.connect()]);
      await this.ensureTopic();
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart && (this.state === 'starting' || this.state === 'ready')) {
          this.fail(`the consumer stopped: ${payload.error.message}`);
          this.emit('consumer_failed', payload.error);
        }
      });
      // The group commits nothing (each server reads from "now" when it starts), so a
      // consumer that kafkajs restarts after a crash (a broker that stalled, a coordinator
      // that moved) would start again at the end and skip what was written meanwhile. It
      // goes on from the record after the last one it read instead.
      this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
        if (this.consumedOffset < 0 || this.state === 'closed') return;
        this.consumer.seek({
          topic: this.options.topic,
          partition: 0,
          offset: String(this.consumedOffset + 1),
        });
      });
      await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: false });
      await this.consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          for (const record of batch.messages) {
            this.consumedOffset = Number(record.offset);
            if (record.value !== null) this.receiveSafely(record.value, this.consumedOffset);
          }
          await heartbeat();
        },
      });
      await this.announce();
      // The consumer may have stopped for good while this instance said hello.
      if (this.state !== 'starting') throw new Error(this.failure ?? `adapter is ${this.state}`);
      this.state = 'ready';
      this.ticker = setInterval(() => this.tick(), this.options.heartbeatInterval);
      this.ticker.unref();
      this.livenessTimer = setInterval(
        () => this.checkLiveness(),
        livenessCheckInterval(this.options),
      );
      this.livenessTimer.unref();
    } catch (error) {
      this.fail(error instanceof Error ? error.message : String(error));
      await this.publisher.close(0);
      await this.disconnect();
      throw error;
    }
  }

  /**
   * Creates the topic if it is missing (another server creating it at the same moment is
   * fine) and waits until its partition has a leader: a fresh broker may not know a topic
   * for a moment after it was created.
   */
  private async ensureTopic(): Promise<void> {
    const { topic, topicRetentionMs, topicMaxMessageBytes, startTimeout } = this.options;
    if (!(await this.admin.listTopics()).includes(topic)) {
      try {
        await this.admin.createTopics({
          waitForLeaders: false,
          topics: [
            {
              topic,
              numPartitions: 1,
              configEntries: [
                { name: 'retention.ms', value: String(topicRetentionMs) },
                ...segmentConfig(topicRetentionMs),
                { name: 'max.message.bytes', value: String(topicMaxMessageBytes) },
              ],
            },
          ],
        });
      } catch (error) {
        if (!isTopicAlreadyExists(error)) throw error;
      }
    }
    const deadline = Date.now() + startTimeout;
    let partitions: PartitionMetadata[] = [];
    for (;;) {
      try {
        const metadata = await this.admin.fetchTopicMetadata({ topics: [topic] });
        partitions = metadata.topics[0]?.partitions ?? [];
        if (partitions.length > 0 && partitions.every((partition) => partition.leader >= 0)) break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline) throw new Error(`topic ${topic} has no leader`);
      await sleep(100);
    }
    if (partitions.length !== 1) {
      throw new Error(
        `topic ${topic} has ${partitions.length} partitions; the adapter needs exactly one (a total order)`,
      );
    }
  }

  /**
   * Says hello until this instance reads its own hello back: from then on it reads every
   * record the others write, and they know it is there.
   */
  private async announce(): Promise<void> {
    const deadline = Date.now() + this.options.startTimeout;
    const late = () => new Error('did not read its own heartbeat back; is the consumer assigned?');
    while (this.ownHeartbeatSeenAt === 0) {
      // The consumer stopped for good meanwhile (`fail`): no hello will ever be read back.
      if (this.state !== 'starting') throw new Error(this.failure ?? `adapter is ${this.state}`);
      if (Date.now() > deadline) throw late();
      // The publisher retries for ever while the broker refuses; start does not wait for ever.
      await beforeDeadline(
        this.publish({ type: MessageType.InitialHeartbeat }, this.uid),
        deadline,
        late,
      );
      const waitUntil = Math.min(Date.now() + 1_000, deadline + 1);
      while (this.ownHeartbeatSeenAt === 0 && this.state === 'starting' && Date.now() < waitUntil)
        await sleep(10);
    }
  }

  /** No record, however hostile, stops the consumer: kafkajs would restart it for ever. */
  private receiveSafely(value: Buffer, offset: number): void {
    try {
      this.receive(value, offset);
    } catch (error) {
      this.options.logger.error({ err: error, offset }, 'handling a cluster record failed');
    }
  }

  private receive(value: Buffer, offset: number): void {
    const message = this.decode(value, offset);
    if (message === undefined) return;
    if (this.isDuplicate(message)) {
      this.stats.duplicates += 1;
      return;
    }
    this.stats.consumed += 1;
    if (message.uid === this.uid) this.ownRecordRead(message);
    else this.peerRecordRead(message);
    if ('nsp' in message) {
      const member = this.members.get(message.nsp);
      if (member === undefined) return;
      try {
        member.onMessage(message, offset);
      } catch (error) {
        this.options.logger.error(
          { err: error, offset, type: message.type },
          'handling a cluster message failed',
        );
      }
    }
  }

  /** The record, or undefined when it is malformed (then skipped, counted and reported). */
  private decode(value: Buffer, offset: number): ClusterMessage | undefined {
    try {
      const message = decodeMessage(value);
      // A record in this instance's name that it never wrote (a sequence number it has not
      // used yet) would pass for its own: a heartbeat that hides its deafness, or a `seq`
      // that makes its real records look like duplicates.
      if (message.uid === this.uid && message.seq >= this.seq)
        throw new MalformedMessageError(
          'claims to come from this instance, which did not write it',
        );
      return message;
    } catch (error) {
      const malformed =
        error instanceof MalformedMessageError
          ? error
          : new MalformedMessageError(errorMessage(error));
      this.stats.malformed += 1;
      this.options.logger.warn({ offset, reason: malformed.message }, 'skipped a malformed record');
      this.emit('malformed', malformed);
      return undefined;
    }
  }

  /** True for a record read already: a retried publish wrote it again (`SeenWindow`). */
  private isDuplicate({ uid, seq }: ClusterMessage): boolean {
    const window = this.seen.get(uid);
    if (window !== undefined) return !window.add(seq, Date.now());
    this.seen.set(uid, new SeenWindow(seq, Date.now()));
    return false;
  }

  private ownRecordRead(message: ClusterMessage): void {
    if (message.type === MessageType.InitialHeartbeat || message.type === MessageType.Heartbeat)
      this.ownHeartbeatSeenAt = Date.now();
  }

  /**
   * Only heartbeats make and keep a peer: any other record may come from an instance that
   * cannot hear (it still writes), or be a stray (a tool, an old instance's retry).
   */
  private peerRecordRead(message: ClusterMessage): void {
    switch (message.type) {
      case MessageType.InitialHeartbeat:
        this.peerSeen(message.uid, true);
        break;
      case MessageType.Heartbeat:
        if (message.deaf !== true) this.peerSeen(message.uid, false);
        break;
      case MessageType.Close:
        this.peerLost(message.uid);
        break;
      default:
        break;
    }
  }

  private peerSeen(uid: string, isNew: boolean): void {
    const known = this.peers.has(uid);
    this.peers.set(uid, Date.now());
    if (!known) {
      this.options.logger.info({ peer: uid }, 'instance joined');
      this.emit('peer_joined', uid);
      for (const member of this.members.values()) member.onPeerSeen(uid);
    }
    // Answer a newcomer at once so it learns of us without waiting for our next beat.
    if (isNew && this.state === 'ready') this.beat();
  }

  private peerLost(uid: string): void {
    if (!this.peers.delete(uid)) return;
    this.options.logger.info({ peer: uid }, 'instance left');
    this.emit('peer_left', uid);
    for (const member of this.members.values()) member.onPeerLost(uid);
  }

  private tick(): void {
    this.beat();
    for (const member of this.members.values()) member.onTick();
  }

  /** Every second (`livenessCheckInterval`), whatever the heartbeat interval. */
  private checkLiveness(): void {
    // If we have not read even our own heartbeat lately, the broker (or we) are stalled:
    // silence from the others proves nothing, so nobody is dropped.
    if (this.isDeaf()) return;
    const now = Date.now();
    for (const [uid, seenAt] of this.peers) {
      if (now - seenAt > this.options.heartbeatTimeout) this.peerLost(uid);
    }
    const forgetBefore = now - Math.max(this.options.heartbeatTimeout, SEQ_MEMORY_MS);
    for (const [uid, { readAt }] of this.seen) {
      if (readAt < forgetBefore) this.seen.delete(uid);
    }
  }

  /** True when this instance has not read its own heartbeat within the heartbeat timeout. */
  private isDeaf(): boolean {
    return Date.now() - this.ownHeartbeatSeenAt > this.options.heartbeatTimeout;
  }

  /**
   * A deaf instance cannot deliver or answer anything, so it stops counting itself in: its
   * heartbeat says so, and the others drop it at their heartbeat timeout. It still writes
   * one, to learn when it hears again (it reads it back).
   */
  private beat(): void {
    const deaf = this.isDeaf();
    // A refused heartbeat is already counted and reported by the publisher.
    this.publish({ type: MessageType.Heartbeat, ...(deaf ? { deaf } : {}) }, this.uid).catch(
      () => undefined,
    );
  }

  private stopTimers(): void {
    clearInterval(this.ticker);
    clearInterval(this.livenessTimer);
  }

  /**
   * For good: it no longer beats, and says goodbye (if the producer still works) so that
   * the others drop it at once rather than wait for an instance that cannot hear them.
   */
  private fail(reason: string): void {
    // Closed, or failed already: the first reason is the one that says what happened.
    if (this.state === 'closed' || this.state === 'failed') return;
    const wasReady = this.state === 'ready';
    this.state = 'failed';
    this.failure = reason;
    this.stopTimers();
    this.options.logger.error({ reason }, 'the Kafka adapter is unhealthy');
    if (wasReady) this.publish({ type: MessageType.Close }, this.uid).catch(() => undefined);
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** `promise`, or a rejection with `late()` once `deadline` (a `Date.now()` time) has passed. */
async function beforeDeadline(
  promise: Promise<void>,
  deadline: number,
  late: () => Error,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()));
  });
  // The loser settles later, unheard.
  promise.catch(() => undefined);
  timeout.catch(() => undefined);
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True when Kafka refused to create a topic only because it exists already. */
function isTopicAlreadyExists(error: unknown): boolean {
  const { type, errors } = error as { type?: string; errors?: { type?: string }[] };
  return (
    type === 'TOPIC_ALREADY_EXISTS' ||
    (Array.isArray(errors) &&
      errors.length > 0 &&
      errors.every((entry) => entry.type === 'TOPIC_ALREADY_EXISTS'))
  );
}

/** Longest a segment of the topic stays open: retention ends no record before its segment rolls. */
const SEGMENT_MS_MAX = 10 * 60 * 1000;

/**
 * `segment.ms` for a retention: Kafka deletes a segment only once it is rolled and its
 * newest record is past `retention.ms`, and the heartbeats keep the open one new, so
 * without this it rolls only when full or after the broker's 7 days, and the records
 * stay that long. None when nothing is deleted (-1).
 */
export function segmentConfig(retentionMs: number): { name: string; value: string }[] {
  return retentionMs < 0
    ? []
    : [{ name: 'segment.ms', value: String(Math.max(1, Math.min(retentionMs, SEGMENT_MS_MAX))) }];
}
