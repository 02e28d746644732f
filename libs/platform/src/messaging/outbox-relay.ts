import { EVENT_HEADERS, type EventEnvelope } from '@scale-chat/contracts';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource, QueryRunner } from 'typeorm';
import { PRODUCE_ACK_TIMEOUT_MS } from '../kafka/kafka-client';

export interface OutboxRelayOptions {
  readonly dataSource: DataSource;
  readonly producer: Producer;
  /** The service's schema: names its advisory lock and filters notifications. */
  readonly schema: string;
  readonly logger: Logger;
  readonly batchSize?: number;
  /**
   * What one produce request may carry, in bytes (`DEFAULT_MAX_BATCH_BYTES`). The broker
   * refuses a record batch over its `message.max.bytes` for good, so a batch over it
   * would be tried again for ever; a row alone over this still goes, alone.
   */
  readonly maxBatchBytes?: number;
  /** How long it sleeps without a notification before looking anyway. */
  readonly pollIntervalMs?: number;
  /**
   * How long the lock's holder may be silent before a waiting relay ends its connection
   * and takes the lead (`DEFAULT_LEADER_SILENCE_MS`). The leader says a word on that
   * connection every `leaderSilenceMs / 5` (at most every second) whatever its batches
   * do, so only a leader that cannot run (stopped, frozen, cut off from PostgreSQL) falls
   * silent that long.
   */
  readonly leaderSilenceMs?: number;
  /** Runs once before the first batch, retried until it succeeds (creating topics, say). */
  readonly prepare?: () => Promise<void>;
  /** `KAFKA_TOPIC_PREFIX`: the outbox stores declared names; this goes before them. */
  readonly topicPrefix?: string;
  /** Told how many rows each batch published. */
  readonly onPublished?: (count: number) => void;
  /**
   * Runs with each batch's events while Kafka takes them; the rows count as published
   * only once both are done, and a throw fails the batch, which is relayed again. So
   * whatever it does happens at least once per event, in outbox order (a chat gateway
   * broadcasts room events to sockets here, one hop instead of a second consumer).
   */
  readonly alongside?: (events: readonly RelayedEvent[]) => Promise<void>;
}

/** An event of the outbox as the relay hands it to `alongside`. */
export interface RelayedEvent {
  /** The declared topic name, without `topicPrefix`. */
  readonly topic: string;
  readonly envelope: EventEnvelope;
}

/** The connection holding a relay's advisory lock ended: another instance may lead. */
class LockLostError extends Error {
  constructor(cause: Error) {
    super(`the outbox lock's connection was lost: ${cause.message}`);
    this.name = 'LockLostError';
  }
}

const DEFAULT_BATCH_SIZE = 500;
/**
 * A leader silent this long on its lock's connection is taken for gone. A process that
 * is stopped or frozen keeps its connection (its kernel still answers TCP), and one cut
 * off from PostgreSQL keeps it until a write to it fails: either way its lock would hold
 * every other instance off and nothing would be relayed.
 */
export const DEFAULT_LEADER_SILENCE_MS = 15_000;
/**
 * Under the broker's default `message.max.bytes` (1,048,588), which bounds each
 * partition's record batch: 500 messages of 4,000 Korean characters (12 KB each) are
 * 6 MB, so rows of long messages must go in several requests.
 */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;
/** A record's framing in a v2 record batch, at most: its length, attributes, deltas, sizes. */
const RECORD_OVERHEAD_BYTES = 32;

/**
 * What a schema's outbox trigger notifies on each insert (`NotifyOutboxPerSchema1767800000000`
 * writes the same name out).
 */
export function outboxChannel(schema: string): string {
  return `outbox.${schema}`;
}

interface Row {
  position: string;
  topic: string;
  key: string;
  envelope: EventEnvelope;
  headers: Record<string, string>;
}

interface PgNotification {
  channel: string;
}

interface PgClient {
  query(text: string): Promise<unknown>;
  on(event: 'notification', listener: (message: PgNotification) => void): void;
  on(event: 'error' | 'end', listener: (error?: Error) => void): void;
  off(event: 'notification', listener: (message: PgNotification) => void): void;
  off(event: 'error' | 'end', listener: (error?: Error) => void): void;
}

/**
 * Relays the outbox to Kafka in the order it was written. One instance per schema
 * relays at a time (a PostgreSQL advisory lock held on a connection of its own); the
 * others wait to take over. Rows are deleted once Kafka acknowledged them, so the outbox
 * holds only what is still to be published, and a relay that dies in between publishes
 * them again on restart: consumers drop the repeat by its event id.
 */
export class OutboxRelay {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private lastSweep = 0;
  private prepared = false;
  /**
   * The outbox positions `alongside` had in a try whose rows Kafka then refused, not
   * handed again when the rows go out again. A set, not the highest position: positions
   * are taken as transactions write, not as they commit, so a row committed late can come
   * below rows handed already, and is still to be handed.
   */
  private readonly handed = new Set<bigint>();
  /** Bytes a batch may hold once the broker refused one as too large (`splitsForTooLarge`). */
  private maxBytes: number | undefined;
  /** A row was committed (notified) since the last batch began. */
  private notified = false;

  constructor(private readonly options: OutboxRelayOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /**
   * Stops after the batch in flight, waiting at most `timeoutMs`: a batch still unsent
   * then stays in the outbox and goes out after the next start.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    this.stopped = true;
    this.wake?.();
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => {
      timer = setTimeout(() => resolve('gave up'), timeoutMs);
    });
    const outcome = await Promise.race([this.running, gaveUp]);
    clearTimeout(timer);
    if (outcome === 'gave up')
      this.options.logger.warn({ timeoutMs }, 'outbox relay did not stop in time');
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.leadWhileHoldingTheLock();
      } catch (error) {
        // One whose lock's connection died lets a waiting instance, which tries the lock
        // every second, take the lead first.
        const lostLock = error instanceof LockLostError;
        this.options.logger.warn(
          { err: error },
          `outbox relay failed; retrying in ${lostLock ? 3 : 1} s`,
        );
        await this.pause(lostLock ? 3_000 : 1_000);
      }
    }
  }

  private async leadWhileHoldingTheLock(): Promise<void> {
    const runner = this.options.dataSource.createQueryRunner();
    await runner.connect();
    const lockKey = `outbox:${this.options.schema}`;
    try {
      while (!this.stopped && !(await this.tryLock(runner, lockKey))) {
        await this.endSilentLeader(runner, lockKey);
        await this.pause(1_000);
      }
      if (this.stopped) return;
      await this.leadOn(runner, lockKey);
    } finally {
      await runner.release();
    }
  }

  /** Relays batches while `runner`'s connection holds the lock, until stopped or it is lost. */
  private async leadOn(runner: QueryRunner, lockKey: string): Promise<void> {
    const client = (runner as unknown as { databaseConnection: PgClient }).databaseConnection;
    // The schema's own channel: other services' commits do not wake this relay. (The
    // schema is a plain lower-case identifier of at most 56 characters, so the quoted
    // name is the one the trigger notifies: `migrateUnderLock` refuses any other.)
    const channel = outboxChannel(this.options.schema);
    const onNotification = (message: PgNotification) => {
      if (message.channel !== channel) return;
      this.notified = true;
      this.wake?.();
    };
    // The lock lives and dies with this connection, though batches go through the pool:
    // once it is gone (PostgreSQL restarted, the backend terminated, the network cut, a
    // waiting relay that found it silent) another instance may lead, so this one stops
    // before its next batch.
    let lockLost: Error | undefined;
    const onLockLost = (error?: Error) => {
      lockLost ??= error ?? new Error('the connection ended');
      this.wake?.();
    };
    client.on('notification', onNotification);
    client.on('error', onLockLost);
    client.on('end', onLockLost);
    // A word on the lock's connection now and then from the moment it is held, whatever
    // the work does (preparing, or a batch waiting on Kafka): the waiting relays take
    // silence for a leader gone.
    let spokeAt = Date.now();
    const speak = async () => {
      try {
        await client.query('SELECT 1');
        spokeAt = Date.now();
      } catch (error) {
        onLockLost(error as Error);
      }
    };
    const beat = setInterval(() => void speak(), Math.min(1_000, this.leaderSilenceMs / 5));
    beat.unref();
    // Before a batch read goes out: the lead may have passed to another instance while
    // this one could not run (stopped, paused, its connection cut), and that one may
    // have published and broadcast these rows and those after them. Handing the stale
    // batch to `alongside` would apply its membership events again, after later ones.
    // (A stop after this check, before the batch's broadcasts reach Kafka, can still
    // send them late: only a fence where they are applied would close that.)
    const stillLeading = async () => {
      // Quiet for longer than the beat allows: the connection may be gone unnoticed.
      if (lockLost === undefined && Date.now() - spokeAt >= this.leaderSilenceMs / 2) await speak();
      if (lockLost !== undefined) throw new LockLostError(lockLost);
    };
    try {
      if (!this.prepared) {
        await this.options.prepare?.();
        this.prepared = true;
      }
      await runner.query(`LISTEN "${channel}"`);
      while (!this.stopped) {
        if (lockLost !== undefined) throw new LockLostError(lockLost);
        this.notified = false;
        const { relayed, leftRows } = await this.relayBatch(stillLeading);
        // A full batch may have left rows behind, and a notification during the batch
        // may be for a row it did not see; otherwise the outbox is empty until notified.
        if (leftRows || this.notified) continue;
        if (relayed === 0) await this.sweepMarkedRows();
        if (!this.notified) await this.pause(this.options.pollIntervalMs ?? 1_000);
      }
    } finally {
      clearInterval(beat);
      client.off('notification', onNotification);
      client.off('error', onLockLost);
      client.off('end', onLockLost);
      // A lost connection took the lock and the LISTEN with it; otherwise both go here,
      // also when preparing failed (the connection goes back to the pool).
      if (lockLost === undefined) {
        await runner.query(`UNLISTEN "${channel}"`);
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    }
  }

  private get leaderSilenceMs(): number {
    return this.options.leaderSilenceMs ?? DEFAULT_LEADER_SILENCE_MS;
  }

  /**
   * Ends the connection of the lock's holder if it has said nothing for `leaderSilenceMs`:
   * its lock goes with it, and the next try takes it. The holder, should it run again,
   * finds its connection gone and stops: a batch it had read by then is neither
   * published nor handed to `alongside` (`stillLeading`); one already going out when it
   * stopped may reach Kafka a second time, which consumers drop by event id, and its
   * broadcasts may reach the sockets after the new leader's.
   */
  private async endSilentLeader(runner: QueryRunner, lockKey: string): Promise<void> {
    const ended = (await runner.query(
      `SELECT a."pid", round(extract(epoch FROM now() - a."state_change") * 1000) AS "silentMs",
              pg_terminate_backend(a."pid") AS "ended"
         FROM pg_locks l JOIN pg_stat_activity a ON a."pid" = l."pid"
        WHERE l."locktype" = 'advisory' AND l."granted" AND l."objsubid" = 1
          AND l."database" = (SELECT "oid" FROM pg_database WHERE "datname" = current_database())
          AND l."classid"::bigint = (hashtext($1)::bigint >> 32) & 4294967295
          AND l."objid"::bigint = hashtext($1)::bigint & 4294967295
          AND a."state_change" < now() - make_interval(secs => $2::float8 / 1000)`,
      [lockKey, this.leaderSilenceMs],
    )) as { pid: number; silentMs: string; ended: boolean }[];
    for (const { pid, silentMs, ended: done } of ended)
      this.options.logger.warn(
        { pid, silentMs: Number(silentMs), ended: done, schema: this.options.schema },
        'the outbox relay leading this schema was silent too long; its connection is ended and the lead taken',
      );
  }

  private async tryLock(runner: QueryRunner, lockKey: string): Promise<boolean> {
    const [row] = (await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [
      lockKey,
    ])) as {
      locked: boolean;
    }[];
    return row?.locked === true;
  }

  /**
   * Publishes the oldest unpublished rows, as many as `batchSize` and `maxBatchBytes`
   * allow, once `stillLeading` (if given) holds after they were read; how many, and
   * whether it may have left rows behind.
   */
  async relayBatch(
    stillLeading?: () => Promise<void>,
  ): Promise<{ relayed: number; leftRows: boolean }> {
    const { dataSource, producer, batchSize = DEFAULT_BATCH_SIZE } = this.options;
    const read = (await dataSource.query(
      `SELECT "position", "topic", "key", "envelope", "headers" FROM "outbox"
        WHERE "published_at" IS NULL ORDER BY "position" LIMIT $1`,
      [batchSize],
    )) as Row[];
    this.forgetHandedBelow(read[0]?.position);
    if (read.length === 0) return { relayed: 0, leftRows: false };
    await stillLeading?.();
    const outgoing = withinBytes(
      read.map((row) => ({ row, message: recordOf(row) })),
      this.maxBytes ?? this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
    );
    const rows = outgoing.map(({ row }) => row);
    // Rows `alongside` already had in a try that Kafka refused are not handed again.
    const toHand =
      this.handed.size === 0 ? rows : rows.filter((row) => !this.handed.has(BigInt(row.position)));
    // Both settle before the batch counts as failed: a try of the same rows again must
    // not overlap work still in flight from this one (`alongside` would take its rows for
    // done), nor may that work outlive this relay's lead.
    const [sent, handed] = await Promise.allSettled([
      producer.sendBatch({
        acks: -1,
        timeout: PRODUCE_ACK_TIMEOUT_MS,
        topicMessages: byTopicInOrder(outgoing, this.options.topicPrefix ?? ''),
      }),
      toHand.length === 0 ? undefined : this.options.alongside?.(toHand),
    ]);
    if (sent.status === 'rejected') {
      // What `alongside` did is done, whatever Kafka said of the rows: doing it again for
      // the try of the same rows would repeat it (a membership event applied again lets a
      // member removed since hear the room until its removal is applied again).
      if (handed.status === 'fulfilled')
        for (const row of toHand) this.handed.add(BigInt(row.position));
      // Too large for the broker: the same rows again at once, in smaller batches.
      if (this.splitsForTooLarge(sent.reason, outgoing)) return { relayed: 0, leftRows: true };
      throw sent.reason;
    }
    if (handed.status === 'rejected') throw handed.reason;
    await dataSource.query(`DELETE FROM "outbox" WHERE "position" = ANY($1::bigint[])`, [
      rows.map((row) => row.position),
    ]);
    if (this.handed.size > 0) for (const row of rows) this.handed.delete(BigInt(row.position));
    this.options.onPublished?.(rows.length);
    return {
      relayed: rows.length,
      leftRows: read.length === batchSize || rows.length < read.length,
    };
  }

  /**
   * Forgets handed rows below the oldest one still to be published (`oldest`, undefined
   * when none is): the outbox is read from its oldest row, so those are published and
   * gone (by another instance that led meanwhile, say).
   */
  private forgetHandedBelow(oldest: string | undefined): void {
    if (this.handed.size === 0) return;
    const below = oldest === undefined ? undefined : BigInt(oldest);
    for (const position of this.handed)
      if (below === undefined || position < below) this.handed.delete(position);
  }

  /**
   * Whether a refused batch goes again, smaller: one the broker refused as too large (the
   * topic's `max.message.bytes` is below this relay's `maxBatchBytes`) is halved, and
   * batches stay within half its bytes from then on. A row refused alone can never
   * go; that is logged, as relaying stops there.
   */
  private splitsForTooLarge(error: unknown, outgoing: readonly Outgoing[]): boolean {
    const { type, cause } = (error ?? {}) as { type?: unknown; cause?: { type?: unknown } };
    if (type !== 'MESSAGE_TOO_LARGE' && cause?.type !== 'MESSAGE_TOO_LARGE') return false;
    if (outgoing.length > 1) {
      const bytes = outgoing.reduce((sum, { message }) => sum + recordBytes(message), 0);
      this.maxBytes = Math.floor(bytes / 2);
      this.options.logger.warn(
        { rows: outgoing.length, bytes, maxBytes: this.maxBytes },
        "a batch was over the topic's max.message.bytes; relaying in smaller batches",
      );
      return true;
    }
    const [{ row } = {}] = outgoing;
    this.options.logger.error(
      { position: row?.position, topic: row?.topic },
      "an outbox row is larger than the topic's max.message.bytes: relaying stops at it until that is raised",
    );
    return false;
  }

  /**
   * Until 2026-12-05 a relay marked published rows (`published_at`) and kept them a day.
   * During a rolling update a relay of that release may still lead and mark rows; they
   * are deleted here, at most once a minute, when the outbox is otherwise empty.
   */
  private async sweepMarkedRows(): Promise<void> {
    if (Date.now() - this.lastSweep < 60_000) return;
    this.lastSweep = Date.now();
    await this.options.dataSource.query(`DELETE FROM "outbox" WHERE "published_at" IS NOT NULL`);
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

interface Outgoing {
  readonly row: Row;
  readonly message: Message & { value: string; headers: Record<string, string> };
}

/** The Kafka record of an outbox row. */
function recordOf(row: Row): Outgoing['message'] {
  return {
    key: row.key,
    value: JSON.stringify(row.envelope),
    headers: {
      ...row.headers,
      [EVENT_HEADERS.id]: row.envelope.id,
      [EVENT_HEADERS.type]: row.envelope.type,
    },
  };
}

/** A record's size in a produce request, at most. */
function recordBytes({ key, value, headers }: Outgoing['message']): number {
  let bytes = RECORD_OVERHEAD_BYTES + Buffer.byteLength(value) + Buffer.byteLength(String(key));
  for (const [name, text] of Object.entries(headers)) {
    bytes += RECORD_OVERHEAD_BYTES / 4 + Buffer.byteLength(name) + Buffer.byteLength(text);
  }
  return bytes;
}

/** The longest head of `outgoing` within `maxBytes`; the first row whatever its size. */
function withinBytes(outgoing: readonly Outgoing[], maxBytes: number): Outgoing[] {
  let bytes = 0;
  let count = 0;
  for (const { message } of outgoing) {
    bytes += recordBytes(message);
    if (bytes > maxBytes && count > 0) break;
    count += 1;
  }
  return outgoing.slice(0, count);
}

/** One entry per topic, each with its rows in outbox order (per-key order follows). */
function byTopicInOrder(outgoing: readonly Outgoing[], prefix: string): TopicMessages[] {
  const topics = new Map<string, TopicMessages>();
  for (const { row, message } of outgoing) {
    const entry = topics.get(row.topic) ?? { topic: `${prefix}${row.topic}`, messages: [] };
    entry.messages.push(message);
    topics.set(row.topic, entry);
  }
  return [...topics.values()];
}
