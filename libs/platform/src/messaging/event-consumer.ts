import {
  EVENT_HEADERS,
  EVENT_TYPES_OF_TOPIC,
  prefixedTopic,
  type EventEnvelope,
  type TopicSpec,
} from '@scale-chat/contracts';
import { EVENT_SCHEMAS } from '@scale-chat/contracts/events';
import type { Admin, Consumer, ConsumerRunConfig, Kafka, KafkaMessage } from 'kafkajs';
import type { Counter, Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { DataSource, EntityManager } from 'typeorm';
import { isTransientDatabaseError } from '../database/transient-error';
import { ensureTopics } from '../kafka/ensure-topics';
import { wellFormedCorrelationId, withCorrelationId } from '../logging';
import type { ServiceMetrics } from '../metrics';
import {
  RetryLaterError,
  runAfterCommit,
  UnhandleableEventError,
  type BatchEventHandler,
  type EventContext,
  type EventHandler,
} from './event-handler';
import { keepDeadLetter, type ConsumedRecord } from './dead-letters';
import { parseEnvelope } from './parse-envelope';
import { forgetProcessedEvents, readTopicRetention, type TopicRetention } from './processed-events';
import { RetryLoop, type Failure } from './retry-loop';

export interface EventConsumerOptions {
  readonly kafka: Kafka;
  readonly dataSource: DataSource;
  /** The consumer group, and the name under which processed events are recorded. */
  readonly groupId: string;
  readonly topics: readonly TopicSpec[];
  /** One event at a time, each in a transaction of its own... */
  readonly handlers?: readonly EventHandler[];
  /** ...or a batch at a time (repeats are then the handler's to drop). Exactly one of the two. */
  readonly batch?: BatchEventHandler;
  readonly logger: Logger;
  readonly fromBeginning?: boolean;
  /** Attempts at a failing handler before the event is logged and skipped. */
  readonly maxAttempts?: number;
  /** `KAFKA_TOPIC_PREFIX`, put before every topic's declared name. */
  readonly topicPrefix?: string;
  /**
   * Partitions handled at once (order holds within each). Default: 3 for one event at a
   * time (a slow saga step or room event does not hold up another partition's batch of
   * the same fetch, though the next fetch from that broker waits for all of them), 1 for
   * batches (their transactions add to the same rows).
   */
  readonly concurrency?: number;
  /** The group's session timeout (kafkajs' default: 30 s). */
  readonly sessionTimeoutMs?: number;
  /** Where `kafka_events_total` and `kafka_consumer_lag` go. */
  readonly metrics?: ServiceMetrics;
}

export interface EventConsumerStats {
  processed: number;
  duplicates: number;
  malformed: number;
  ignored: number;
  failed: number;
}

/** How often a consumer deletes the processed events Kafka can no longer repeat. */
const FORGET_INTERVAL_MS = 10 * 60 * 1000;

/** Why a record of a type this release does not know is kept in `dead_letters`. */
const UNKNOWN_EVENT_TYPE = 'unknown event type ';

/** How many types with no handler a consumer logs (once each). */
const LOGGED_IGNORED_TYPES_MAX = 1_000;
/** How long a consumer kafkajs stopped waits to be started again, the first time and at most. */
const FIRST_RESTART_DELAY_MS = 5_000;
const LAST_RESTART_DELAY_MS = 5 * 60 * 1000;
/** A consumer that stops this long after it was run is started again after the first wait. */
const RAN_LONG_ENOUGH_MS = 60_000;

/**
 * Why an event of `type` read on `topic` (its declared name) is refused, if it is: a type
 * the contracts know that another topic carries (`EVENT_TYPES_OF_TOPIC`). A type they do
 * not know is a newer release's, and goes the way of types with no handler.
 */
function foreignToTopic(topic: string, type: string): string | undefined {
  const carried = EVENT_TYPES_OF_TOPIC.get(topic);
  if (carried === undefined || carried.has(type) || !Object.hasOwn(EVENT_SCHEMAS, type))
    return undefined;
  return `event type ${type} does not travel on ${topic}`;
}

/** A consumer's partitions by topic (the contract's names). */
export type Assignment = ReadonlyMap<string, readonly number[]>;

/**
 * Consumes events and acts on each once: the event id is recorded in
 * `processed_messages` in the same transaction as the handler's changes, so a repeat
 * (a relay that published twice, a rebalance) changes nothing; the record of it is kept
 * for as long as Kafka may deliver the event again. Malformed records and
 * records of other types are skipped, counted and logged; the consumer goes on.
 *
 * A type with no handler in the group is logged once per type, where it was first seen:
 * a topic of many types would otherwise log every record. A type this release's contracts
 * know is one the group leaves by design (the event log counts no reactions), at debug; one
 * they do not know comes from a newer or older release (a type renamed in a rolling
 * update), and whatever waits on it (a saga's step) waits in vain, so a warning, and each
 * such record is kept in `dead_letters`.
 */
export class EventConsumer {
  readonly stats: EventConsumerStats = {
    processed: 0,
    duplicates: 0,
    malformed: 0,
    ignored: 0,
    failed: 0,
  };
  private readonly consumer: Consumer;
  private readonly handlers: Map<string, EventHandler>;
  private readonly attempts = new Map<string, number>();
  private readonly topicNames = new Map<string, string>();
  /**
   * The types with no handler here that were logged (once each), up to
   * `LOGGED_IGNORED_TYPES_MAX`: records of ever new types (a producer's bug) log no more
   * past that, rather than growing it for good.
   */
  private readonly ignoredTypes = new Set<string>();
  private readonly events: Counter<'consumer' | 'outcome'> | undefined;
  private stopped = false;
  private readonly retries: RetryLoop;
  private forgetting: Promise<void> = Promise.resolve();
  private forgottenAt = 0;
  private forgetFailure: string | undefined;
  /** Set once `start` has run the consumer: a stop after that is started again. */
  private runConfig: ConsumerRunConfig | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** A start again under way (`restart`), which `stop` waits for. */
  private restarting: Promise<void> | undefined;
  private restartDelayMs = FIRST_RESTART_DELAY_MS;
  /** When the consumer was last run (epoch ms): one that ran long enough before it stopped is started again soon. */
  private ranAt = 0;

  constructor(private readonly options: EventConsumerOptions) {
    this.retries = new RetryLoop(options.logger, options.groupId);
    if ((options.handlers === undefined) === (options.batch === undefined))
      throw new Error(`consumer ${options.groupId} needs either handlers or a batch handler`);
    // A short fetch wait keeps shutdown quick: disconnect waits for the fetch in flight.
    const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: 500,
      sessionTimeout,
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
    });
    this.handlers = new Map((options.handlers ?? []).map((handler) => [handler.type, handler]));
    for (const topic of options.topics)
      this.topicNames.set(prefixedTopic(topic, options.topicPrefix ?? '').name, topic.name);
    this.events = options.metrics?.counter({
      name: 'kafka_events_total',
      help: 'Events read by a consumer, by outcome (processed, duplicates, malformed, ignored, failed)',
      labelNames: ['consumer', 'outcome'] as const,
    });
    const lag = options.metrics?.gauge({
      name: 'kafka_consumer_lag',
      help: 'Records behind the end of the partition after the last batch',
      labelNames: ['group', 'topic', 'partition'] as const,
    });
    for (const event of [this.consumer.events.HEARTBEAT, this.consumer.events.FETCH])
      this.consumer.on(event, () => (this.lastContactAt = Date.now()));
    // kafkajs restarts a consumer after a retriable failure; after any other (its group
    // or topic not authorized, say) it stops, and says so only here. It is started again
    // here, less often the longer it fails: mending the cause (the ACL) is enough.
    const stoppedGauge = options.metrics?.gauge({
      name: 'kafka_consumer_stopped',
      help: 'Whether the consumer is stopped by a failure kafkajs does not retry (1); it is started again after 5 s, doubling to 5 min',
      labelNames: ['group'] as const,
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.stoppedBy = payload.error;
      stoppedGauge?.set({ group: options.groupId }, 1);
      const restartsInMs = this.scheduleRestart();
      this.options.logger.error(
        { err: payload.error, consumer: options.groupId, restartsInMs },
        restartsInMs === undefined
          ? 'a Kafka consumer stopped on a failure kafkajs does not retry'
          : 'a Kafka consumer stopped on a failure kafkajs does not retry; it reads nothing until it is started again',
      );
    });
    // Joined, it reads again. The wait before the next start again is not reset here: a
    // failure that comes only after the join (reading a topic refused, say) would have
    // it start and rebalance the group every 5 s; it is reset once one ran a while.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
      this.stoppedBy = undefined;
      stoppedGauge?.set({ group: options.groupId }, 0);
    });
    if (lag !== undefined) this.reportLag(lag, options.groupId);
  }

  /**
   * Sets each partition's lag after every batch, and drops the partitions this consumer
   * no longer has (taken by another instance in a rebalance, or all of them when it stops):
   * a lag left behind would be summed with the new owner's, for good.
   */
  private reportLag(lag: Gauge<'group' | 'topic' | 'partition'>, group: string): void {
    const { events } = this.consumer;
    const reported = new Map<string, { topic: string; partition: number }>();
    const key = (topic: string, partition: number) => `${topic}:${partition}`; // no : in a topic name
    const drop = (keep: (topic: string, partition: number) => boolean) => {
      for (const [name, { topic, partition }] of reported) {
        if (keep(topic, partition)) continue;
        lag.remove({ group, topic, partition: String(partition) });
        reported.delete(name);
      }
    };
    this.consumer.on(events.END_BATCH_PROCESS, ({ payload: { topic, partition, offsetLag } }) => {
      lag.set({ group, topic, partition: String(partition) }, Math.max(0, Number(offsetLag)));
      reported.set(key(topic, partition), { topic, partition });
    });
    this.consumer.on(events.GROUP_JOIN, ({ payload }) =>
      drop((topic, partition) => payload.memberAssignment[topic]?.includes(partition) === true),
    );
    for (const event of [events.STOP, events.CRASH])
      this.consumer.on(event, () => drop(() => false));
  }

  /**
   * Calls `listener` with the partitions the group gives this consumer, by topic (the
   * contract's names), each time it joins; and with undefined each time they may be taken
   * back (a rebalance begins, the consumer stops or crashes). Listen before `start`.
   */
  onAssignment(listener: (assignment: Assignment | undefined) => void): void {
    const { events } = this.consumer;
    for (const event of [events.REBALANCING, events.STOP, events.CRASH])
      this.consumer.on(event, () => listener(undefined));
    this.consumer.on(events.GROUP_JOIN, ({ payload }) => {
      listener(
        new Map(
          Object.entries(payload.memberAssignment).map(([topic, partitions]) => [
            this.topicNames.get(topic) ?? topic,
            partitions,
          ]),
        ),
      );
    });
  }

  /**
   * When the consumer last heard from its group's coordinator or fetched (epoch ms; 0
   * before it did): a consumer that has not for a while may have lost its partitions
   * without being told yet.
   */
  lastContactAt = 0;

  /**
   * Why the consumer is stopped, if it is: a failure kafkajs does not retry (its group or
   * topics not authorized, say), after which it reads nothing until it is started again
   * (`scheduleRestart`) and joins its group.
   */
  stoppedBy: Error | undefined;

  /** The consumer group, as the consumer joined it. */
  get groupId(): string {
    return this.options.groupId;
  }

  private count(outcome: keyof EventConsumerStats, amount = 1): void {
    this.stats[outcome] += amount;
    this.events?.inc({ consumer: this.options.groupId, outcome }, amount);
  }

  /**
   * Creates the declared topics that are missing, then resolves once the consumer has
   * joined its group and been given its partitions.
   */
  async start(): Promise<void> {
    const topics = this.options.topics.map((topic) =>
      prefixedTopic(topic, this.options.topicPrefix ?? ''),
    );
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, topics, this.options.logger);
    } finally {
      await admin.disconnect();
    }
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: topics.map((topic) => topic.name),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    const joined = new Promise<void>((resolve, reject) => {
      const stopListening = [
        this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
          for (const stop of stopListening) stop();
          resolve();
        }),
        // Stopped for good before it joined: the service's start fails, saying why,
        // rather than waiting for ever.
        this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
          if (payload.restart) return;
          for (const stop of stopListening) stop();
          reject(
            new Error(`consumer group ${this.options.groupId} stopped: ${payload.error.message}`),
          );
        }),
      ];
    });
    // Awaited once running; a failure before that is not left unhandled meanwhile.
    joined.catch(() => undefined);
    const { batch } = this.options;
    const concurrency = this.options.concurrency ?? (batch === undefined ? 3 : 1);
    const runConfig: ConsumerRunConfig =
      batch === undefined
        ? {
            partitionsConsumedConcurrently: concurrency,
            eachMessage: ({ topic, partition, message, heartbeat }) =>
              this.process({ topic, partition, message }, heartbeat),
          }
        : {
            partitionsConsumedConcurrently: concurrency,
            eachBatch: ({ batch: { topic, partition, messages }, heartbeat }) =>
              this.processBatch(batch, topic, partition, messages, heartbeat),
          };
    this.ranAt = Date.now();
    await this.consumer.run(runConfig);
    await joined;
    this.runConfig = runConfig;
  }

  /**
   * Starts the stopped consumer again after a while: 5 s after a stop, twice as long
   * after each that follows within a minute of its last start, at most 5 min. Not before
   * `start` has run it (a start that fails says why instead), nor once stopping. How long
   * until then, if it will.
   */
  private scheduleRestart(): number | undefined {
    if (this.runConfig === undefined || this.stopped) return undefined;
    if (Date.now() - this.ranAt >= RAN_LONG_ENOUGH_MS) this.restartDelayMs = FIRST_RESTART_DELAY_MS;
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(delay * 2, LAST_RESTART_DELAY_MS);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restarting = this.restart().finally(() => (this.restarting = undefined));
    }, delay);
    this.restartTimer.unref();
    return delay;
  }

  private async restart(): Promise<void> {
    const { runConfig } = this;
    if (this.stopped || runConfig === undefined) return;
    try {
      // kafkajs disconnected it when it stopped; its subscriptions are kept.
      await this.consumer.connect();
      // Stopping meanwhile: `stop` disconnects it once this is over.
      if (this.stopped) return;
      this.ranAt = Date.now();
      await this.consumer.run(runConfig);
    } catch (error) {
      this.stoppedBy = error as Error;
      const restartsInMs = this.scheduleRestart();
      this.options.logger.warn(
        { err: error, consumer: this.options.groupId, restartsInMs },
        'could not start a stopped Kafka consumer again',
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    // A start again under way ends first, so that the disconnect below also leaves the
    // group it may have joined (kafkajs would otherwise go on with it).
    await this.restarting;
    this.retries.stop();
    await this.consumer.disconnect();
    await this.forgetting;
  }

  /**
   * Deletes the group's `processed_messages` rows that no record still in Kafka can
   * repeat (`forgetProcessedEvents`), by the retention the broker reports now for each
   * topic the group reads or has committed offsets on (a topic an earlier or later
   * release reads, say). Returns how many went. Runs by itself after events are handled,
   * at most once every FORGET_INTERVAL_MS per consumer, one run at a time.
   */
  async forgetProcessedEvents(): Promise<number> {
    const { kafka, groupId, dataSource } = this.options;
    const admin = kafka.admin();
    await admin.connect();
    let topics: TopicRetention[];
    try {
      const committed = await admin.fetchOffsets({ groupId });
      topics = await readTopicRetention(admin, [
        ...new Set([...this.topicNames.keys(), ...committed.map(({ topic }) => topic)]),
      ]);
    } finally {
      await admin.disconnect();
    }
    return forgetProcessedEvents(dataSource, groupId, topics, () => this.stopped);
  }

  /** forgetProcessedEvents in the background, if it has not run for a while. */
  private forgetNowAndThen(): void {
    if (this.stopped || Date.now() - this.forgottenAt < FORGET_INTERVAL_MS) return;
    this.forgottenAt = Date.now();
    const { groupId, logger } = this.options;
    this.forgetting = this.forgetting.then(() =>
      this.forgetProcessedEvents().then(
        (forgotten) => {
          this.forgetFailure = undefined;
          if (forgotten > 0)
            logger.info(
              { consumer: groupId, forgotten },
              'forgot events Kafka can no longer repeat',
            );
        },
        (error: unknown) => {
          // Once per cause: a refusal that lasts (no DescribeConfigs permission) would
          // otherwise be logged every run of every consumer.
          const failure = String(error instanceof Error ? error.message : error);
          if (failure !== this.forgetFailure)
            logger.warn(
              { err: error, consumer: groupId },
              'could not forget old processed events; they are kept',
            );
          this.forgetFailure = failure;
        },
      ),
    );
  }

  /**
   * Resolves true once the group has committed past every record its topics held when
   * this was called: each one handled (or dead-lettered), by this instance or another of
   * the group. A group that reads only from when it joined (`fromBeginning: false`) and
   * has committed nothing on a partition yet is past it: what it held before is not for
   * that group. False if the consumer stops first, or `wanted` says the answer is no
   * longer wanted. Kafka or the database being away only
   * delays it.
   */
  async caughtUp(intervalMs = 100, wanted: () => boolean = () => true): Promise<boolean> {
    const { kafka, groupId, logger, fromBeginning = true } = this.options;
    const topics = [...this.topicNames.keys()];
    const admin = kafka.admin();
    let ends: ReadonlyMap<string, number> | undefined;
    try {
      while (!this.stopped && wanted()) {
        try {
          await admin.connect();
          ends ??= await endsOf(admin, topics);
          const committed = await admin.fetchOffsets({ groupId, topics });
          const behind = committed.some(({ topic, partitions }) =>
            partitions.some(({ partition, offset }) => {
              const end = ends?.get(`${topic}:${partition}`);
              if (end === undefined || (Number(offset) < 0 && !fromBeginning)) return false;
              return Number(offset) < end;
            }),
          );
          if (!behind) return true;
        } catch (error) {
          logger.warn({ err: error, consumer: groupId }, 'could not read how far the group is');
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      return false;
    } finally {
      await admin.disconnect();
    }
  }

  private async process(record: ConsumedRecord, heartbeat: () => Promise<void>): Promise<void> {
    const { message } = record;
    const envelope = parseEnvelope(message.value);
    if (typeof envelope === 'string') {
      await this.keepUntilDone(heartbeat, envelope, () =>
        this.rejectMalformed(record, undefined, envelope),
      );
      return;
    }
    const foreign = foreignToTopic(
      this.topicNames.get(record.topic) ?? record.topic,
      envelope.type,
    );
    if (foreign !== undefined) {
      await this.keepUntilDone(heartbeat, envelope, () =>
        this.rejectMalformed(record, envelope, foreign),
      );
      return;
    }
    const handler = this.handlers.get(envelope.type);
    if (handler === undefined) {
      await this.keepUntilDone(heartbeat, envelope, () => this.ignore(record, envelope));
      return;
    }
    let data: unknown;
    try {
      data = handler.parse(envelope.data);
    } catch (error) {
      await this.keepUntilDone(heartbeat, envelope, () =>
        this.rejectMalformed(record, envelope, String(error)),
      );
      return;
    }
    const correlationId = wellFormedCorrelationId(
      message.headers?.[EVENT_HEADERS.correlationId]?.toString(),
    );
    const event = { eventId: envelope.id, type: envelope.type };
    await this.withAttempts(record, event, heartbeat, async () => {
      const effects: (() => void)[] = [];
      const context: EventContext = {
        logger: this.options.logger,
        afterCommit: (effect) => effects.push(effect),
        ...(correlationId === undefined ? {} : { correlationId }),
      };
      await withCorrelationId(correlationId, async () => {
        await this.handleOne(handler, record.topic, { ...envelope, data }, context);
        this.runEffects(effects, envelope);
      });
    });
  }

  private runEffects(effects: readonly (() => void)[], event: EventEnvelope): void {
    runAfterCommit(effects, this.options.logger, {
      consumer: this.options.groupId,
      eventId: event.id,
      type: event.type,
    });
  }

  private async handleOne(
    handler: EventHandler,
    topic: string,
    event: EventEnvelope,
    context: EventContext,
  ): Promise<void> {
    await this.processOnce(event.id, topic, (manager) => handler.handle(event, manager, context));
  }

  /**
   * One transaction for the whole batch; if it fails, each event alone, so one bad event
   * is retried and skipped by itself instead of holding up the others.
   */
  /**
   * A fetched batch: its events in one transaction, or, if that fails, one by one. kafkajs
   * sends the group a heartbeat between batches only, so `heartbeat` is called between the
   * events handled one by one, and after each record kept as a dead letter (it sends one
   * when the interval is due): a large batch taken apart could otherwise outlast the
   * session, and the group would move its partition to another member while this one
   * still works on it.
   */
  private async processBatch(
    handler: BatchEventHandler,
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const declaredTopic = this.topicNames.get(topic) ?? topic;
    const items: { record: ConsumedRecord; eventId: string; type: string; item: unknown }[] = [];
    for (const message of messages) {
      const record = { topic, partition, message };
      const envelope = parseEnvelope(message.value);
      const foreign =
        typeof envelope === 'string' ? undefined : foreignToTopic(declaredTopic, envelope.type);
      if (typeof envelope === 'string') {
        await this.keepUntilDone(heartbeat, envelope, () =>
          this.rejectMalformed(record, undefined, envelope),
        );
      } else if (foreign !== undefined) {
        await this.keepUntilDone(heartbeat, envelope, () =>
          this.rejectMalformed(record, envelope, foreign),
        );
      } else if (!handler.types.includes(envelope.type)) {
        await this.keepUntilDone(heartbeat, envelope, () => this.ignore(record, envelope));
      } else {
        try {
          items.push({
            record,
            eventId: envelope.id,
            type: envelope.type,
            item: handler.parse(envelope, declaredTopic),
          });
          continue;
        } catch (error) {
          await this.keepUntilDone(heartbeat, envelope, () =>
            this.rejectMalformed(record, envelope, String(error)),
          );
        }
      }
      // A dead letter written: a burst of them (a newer release's new type, say) could
      // outlast the session as a batch taken apart could.
      await heartbeat();
    }
    if (items.length === 0) return;
    try {
      await this.batchOnce(
        handler,
        items.map(({ item }) => item),
      );
      this.count('processed', items.length);
      return;
    } catch (error) {
      this.options.logger.warn(
        { err: error, consumer: this.options.groupId, events: items.length },
        'a batch failed; processing its events one by one',
      );
    }
    for (const { record, eventId, type, item } of items) {
      await heartbeat();
      await this.withAttempts(record, { eventId, type }, heartbeat, async () => {
        await this.batchOnce(handler, [item]);
        this.count('processed');
      });
    }
  }

  /** `items` in one transaction, then what the handler left for after its commit. */
  private async batchOnce(handler: BatchEventHandler, items: readonly unknown[]): Promise<void> {
    const effects: (() => void)[] = [];
    await this.options.dataSource.transaction((manager) =>
      handler.handleBatch(items, manager, (effect) => effects.push(effect)),
    );
    runAfterCommit(effects, this.options.logger, { consumer: this.options.groupId });
  }

  /**
   * Runs `work` until the event is done with: handled, or kept in `dead_letters` (the
   * record as read, and why), logged and skipped once it has failed `maxAttempts` times
   * (at once for `UnhandleableEventError`). A database that cannot answer now (down,
   * restarting, a conflict) is not the event's fault, nor is what a handler throws as
   * `RetryLaterError`: those are tried again for as long as they last and never skip it.
   */
  private async withAttempts(
    record: ConsumedRecord,
    event: { readonly eventId: string; readonly type: string },
    heartbeat: () => Promise<void>,
    work: () => Promise<void>,
  ): Promise<void> {
    await this.retries.untilDone(heartbeat, event, () => this.attempt(record, event, work));
  }

  /** One try at `work`: undefined when the event is done with, else why it is to be tried again. */
  private async attempt(
    record: ConsumedRecord,
    { eventId, type }: { readonly eventId: string; readonly type: string },
    work: () => Promise<void>,
  ): Promise<Failure | undefined> {
    try {
      await work();
      this.attempts.delete(eventId);
      return undefined;
    } catch (error) {
      if (isTransientDatabaseError(error) || error instanceof RetryLaterError)
        return { error, message: 'an event could not be handled now; it is tried again' };
      const attempts = (this.attempts.get(eventId) ?? 0) + 1;
      this.attempts.set(eventId, attempts);
      if (!(error instanceof UnhandleableEventError) && attempts < (this.options.maxAttempts ?? 5))
        return { error, message: 'an event failed; it is tried again', fields: { attempts } };
      const kept = await this.kept(() => this.deadLetter(record, { eventId, type }, error));
      if (kept !== undefined) return kept; // not skipped unkept: kept the next time it fails
      this.attempts.delete(eventId);
      this.skip('failed', { eventId, type, attempts, err: error });
      return undefined;
    }
  }

  /** Keeps a record by `keep` (a dead letter), trying again as long as that fails. */
  private keepUntilDone(
    heartbeat: () => Promise<void>,
    envelope: EventEnvelope | string,
    keep: () => Promise<void>,
  ): Promise<void> {
    return this.retries.untilDone(heartbeat, eventOf(envelope), () => this.kept(keep));
  }

  /** Keeps a record in `dead_letters` by `keep`; undefined once done, else why not yet. */
  private async kept(keep: () => Promise<void>): Promise<Failure | undefined> {
    try {
      await keep();
      return undefined;
    } catch (error) {
      return { error, message: 'a record could not be kept in dead_letters; it is tried again' };
    }
  }

  /** Keeps `record` in `dead_letters` (`keepDeadLetter`), as this consumer's. */
  private deadLetter(
    record: ConsumedRecord,
    event: { readonly eventId: string | null; readonly type: string | null },
    reason: unknown,
  ): Promise<void> {
    return keepDeadLetter(this.options.dataSource, this.options.groupId, record, event, reason);
  }

  /** A malformed record: kept as a dead letter, logged and counted, never retried. */
  private async rejectMalformed(
    record: ConsumedRecord,
    envelope: EventEnvelope | undefined,
    reason: string,
  ): Promise<void> {
    const event = { eventId: envelope?.id ?? null, type: envelope?.type ?? null };
    await this.deadLetter(record, event, reason);
    this.skip('malformed', { ...event, offset: record.message.offset, reason });
  }

  /** Runs `handle` in a transaction that records `eventId` as processed, unless it was. */
  private async processOnce(
    eventId: string,
    topic: string,
    handle: (manager: EntityManager) => Promise<void>,
  ): Promise<void> {
    await this.options.dataSource.transaction(async (manager) => {
      // A copy read again (published again by a relay, say) starts the time it is
      // remembered over: that copy stays in Kafka as long as its topic keeps records.
      const [row] = (await manager.query(
        `INSERT INTO "processed_messages" ("consumer", "message_id", "topic") VALUES ($1, $2, $3)
         ON CONFLICT ("consumer", "message_id")
           DO UPDATE SET "processed_at" = now(), "topic" = excluded."topic"
         RETURNING (xmax = 0) AS "first"`,
        [this.options.groupId, eventId, topic],
      )) as { first: boolean }[];
      if (row?.first !== true) {
        this.count('duplicates');
        return;
      }
      await handle(manager);
      this.count('processed');
    });
    this.forgetNowAndThen();
  }

  /**
   * A record of a type the group has no handler for: counted, committed, logged once per
   * type. One of a type this release's contracts do not know either (from a release ahead
   * of or behind this one) is kept in `dead_letters` first, as read, so that it can be
   * published again once a release that knows it runs; one they know is left by design.
   */
  private async ignore(record: ConsumedRecord, envelope: EventEnvelope): Promise<void> {
    const { type } = envelope;
    const known = Object.hasOwn(EVENT_SCHEMAS, type);
    if (!known)
      await this.deadLetter(record, { eventId: envelope.id, type }, `${UNKNOWN_EVENT_TYPE}${type}`);
    this.count('ignored');
    if (this.ignoredTypes.has(type) || this.ignoredTypes.size >= LOGGED_IGNORED_TYPES_MAX) return;
    this.ignoredTypes.add(type);
    const fields = {
      consumer: this.options.groupId,
      type,
      topic: record.topic,
      partition: record.partition,
      offset: record.message.offset,
    };
    if (known)
      this.options.logger.debug(fields, 'skipping events of a type this consumer does not handle');
    else
      this.options.logger.warn(
        fields,
        'keeping events of a type this release does not know in dead_letters',
      );
  }

  private skip(kind: 'malformed' | 'failed', fields: Record<string, unknown>): void {
    this.count(kind);
    this.options.logger.error(
      { ...fields, consumer: this.options.groupId },
      `skipped a ${kind} event`,
    );
  }
}

/**
 * The offset each partition of `topics` must be committed to for a group to have read
 * it all, by `topic:partition`; a partition with nothing to read (empty, or all removed
 * by retention) is not there.
 */
async function endsOf(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const ends = new Map<string, number>();
  for (const topic of topics) {
    for (const { partition, high, low } of await admin.fetchTopicOffsets(topic))
      if (Number(high) > Number(low)) ends.set(`${topic}:${partition}`, Number(high));
  }
  return ends;
}

/** What a record's log lines name of it: its event's id and type, when it is one. */
function eventOf(envelope: EventEnvelope | string): {
  readonly eventId: string | null;
  readonly type: string | null;
} {
  return typeof envelope === 'string'
    ? { eventId: null, type: null }
    : { eventId: envelope.id, type: envelope.type };
}
