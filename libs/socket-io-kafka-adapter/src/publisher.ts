import type { Producer } from 'kafkajs';

export class PublishBufferFullError extends Error {
  constructor(held: string) {
    super(`the publish buffer holds ${held} already; this record was not accepted`);
    this.name = 'PublishBufferFullError';
  }
}

export interface PublisherOptions {
  readonly producer: Producer;
  readonly topic: string;
  /** Records waiting for the broker at most; past that `publish` rejects. */
  readonly maxBuffered: number;
  /**
   * Bytes of records waiting for the broker at most (as `maxBatchBytes` counts them); past
   * that `publish` rejects. A record larger than this is still taken into an empty buffer.
   */
  readonly maxBufferedBytes: number;
  /** Records per produce request at most. */
  readonly maxBatch: number;
  /**
   * Bytes per produce request at most (keys and values, with each record's framing). The
   * broker refuses a record batch over its `message.max.bytes` (1 MiB by default) for
   * good, so a larger batch would be retried for ever; a record alone over this goes
   * alone, and is refused if the broker will never take it.
   */
  readonly maxBatchBytes: number;
  /** Called on every failed attempt and on each refused record; never silent. */
  readonly onError: (error: Error, buffered: number) => void;
  /** Called once the broker takes records again after a failure. */
  readonly onRecovered: () => void;
}

interface Pending {
  readonly key: string;
  readonly value: Buffer;
  /** Its size in a produce request, at most (`recordBytes`). */
  readonly bytes: number;
  /** When it was given (`performance.now()`). */
  readonly at: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A record's framing in a v2 record batch, at most: its length, attributes, deltas, sizes. */
const RECORD_OVERHEAD_BYTES = 32;

/** A record's size in a produce request, at most. */
const recordBytes = (key: string, value: Buffer) =>
  RECORD_OVERHEAD_BYTES + Buffer.byteLength(key) + value.length;

/** The broker's answer to a record it will never take: retrying cannot help. */
function isTooLarge(error: unknown): boolean {
  const { type, cause } = (error ?? {}) as { type?: unknown; cause?: { type?: unknown } };
  return type === 'MESSAGE_TOO_LARGE' || cause?.type === 'MESSAGE_TOO_LARGE';
}

/** Refusals of a record alone as too large before it is refused to its caller. */
const TOO_LARGE_TRIES = 3;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Sends records in the order they were given, batching whatever accumulates while a
 * request is in flight. A failed request keeps its records at the head of the queue and
 * is retried with backoff until the broker takes them, so order holds and nothing is
 * dropped while the buffer has room; when it is full, new records are refused and
 * reported. A request holds at most `maxBatch` records and `maxBatchBytes`, and fewer
 * once the broker refused one as too large; a record it refuses alone, three times, is
 * refused and reported, and the rest go on.
 */
export class OrderedPublisher {
  private readonly queue: Pending[] = [];
  /** Settles after the last message queued so far (they go out in order). */
  private tail: Promise<void> = Promise.resolve();
  private sending = false;
  private closed = false;
  private failures = 0;
  /** Bytes a request may hold: `maxBatchBytes`, less once the broker refused one as too large. */
  private maxBytes: number;
  /** Times in a row the record at the head was refused alone as too large. */
  private refusedAlone = 0;
  /** The queue's records' bytes (`recordBytes`). */
  private queuedBytes = 0;

  constructor(private readonly options: PublisherOptions) {
    this.maxBytes = options.maxBatchBytes;
  }

  get buffered(): number {
    return this.queue.length;
  }

  /** The bytes of the records waiting for the broker. */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** Whether the last request failed and its records wait for a retry (Kafka away). */
  get failing(): boolean {
    return this.failures > 0;
  }

  /**
   * How long the oldest record not yet in Kafka has waited, in ms (0 when none waits): a
   * broker that stopped answering shows here long before a request fails.
   */
  get oldestWaitMs(): number {
    const [oldest] = this.queue;
    return oldest === undefined ? 0 : performance.now() - oldest.at;
  }

  publish(key: string, value: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the publisher is closed'));
    const bytes = recordBytes(key, value);
    const full = this.fullFor(bytes);
    if (full !== undefined) {
      const error = new PublishBufferFullError(full);
      this.options.onError(error, this.queue.length);
      return Promise.reject(error);
    }
    const sent = new Promise<void>((resolve, reject) => {
      this.queue.push({ key, value, bytes, at: performance.now(), resolve, reject });
      this.queuedBytes += bytes;
      void this.pump();
    });
    this.tail = sent.then(
      () => undefined,
      () => undefined,
    );
    return sent;
  }

  /** What the buffer holds if a record of `bytes` would take it past a limit. */
  private fullFor(bytes: number): string | undefined {
    const { maxBuffered, maxBufferedBytes } = this.options;
    if (this.queue.length >= maxBuffered) return `${maxBuffered} records`;
    if (this.queue.length > 0 && this.queuedBytes + bytes > maxBufferedBytes)
      return `${this.queuedBytes} of its ${maxBufferedBytes} bytes`;
    return undefined;
  }

  /** Resolves once every message published so far is in Kafka, or was refused. */
  settled(): Promise<void> {
    return this.tail;
  }

  /** Waits up to `timeoutMs` for the queue to drain, then refuses what is left. */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length > 0 && Date.now() < deadline) await sleep(20);
    this.closed = true;
    for (const pending of this.take(this.queue.length))
      pending.reject(new Error('the publisher was closed'));
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const { batch, bytes } = this.nextBatch();
        try {
          await this.options.producer.send({
            topic: this.options.topic,
            acks: -1,
            messages: batch.map(({ key, value }) => ({ key, value })),
          });
        } catch (error) {
          if (isTooLarge(error)) {
            if (batch.length > 1) {
              // Over this topic's limit: smaller requests from then on, at once.
              this.maxBytes = Math.floor(bytes / 2);
              this.options.onError(error as Error, this.queue.length);
            } else if ((this.refusedAlone += 1) < TOO_LARGE_TRIES) {
              // Alone: tried again at once (a topic whose limit was just raised may take
              // it) rather than after a backoff that would hold every other record up.
              this.options.onError(error as Error, this.queue.length);
            } else {
              this.refusedAlone = 0;
              this.refuseHead(error as Error);
            }
            continue;
          }
          this.failures += 1;
          this.options.onError(
            error instanceof Error ? error : new Error(String(error)),
            this.queue.length,
          );
          await sleep(Math.min(100 * 2 ** Math.min(this.failures, 5), 2_000));
          continue;
        }
        this.take(batch.length);
        this.refusedAlone = 0;
        for (const pending of batch) pending.resolve();
        if (this.failures > 0) {
          this.failures = 0;
          this.options.onRecovered();
        }
      }
    } finally {
      this.sending = false;
    }
  }

  /** The head of the queue within `maxBatch` and `maxBytes` (one record at least), and its size. */
  private nextBatch(): { batch: Pending[]; bytes: number } {
    let bytes = 0;
    let count = 0;
    for (const { bytes: size } of this.queue) {
      if (count === this.options.maxBatch || (bytes + size > this.maxBytes && count > 0)) break;
      bytes += size;
      count += 1;
    }
    return { batch: this.queue.slice(0, count), bytes };
  }

  /** Removes the first `count` records from the queue, and their bytes. */
  private take(count: number): Pending[] {
    const taken = this.queue.splice(0, count);
    for (const { bytes } of taken) this.queuedBytes -= bytes;
    return taken;
  }

  /** The record at the head can never be sent: it is refused, reported, and dropped. */
  private refuseHead(error: Error): void {
    const [refused] = this.take(1);
    this.options.onError(error, this.queue.length);
    refused?.reject(error);
  }
}
