/** What a batch answers for one of its items: a value, or the error that item alone gets. */
export type ItemOutcome<R> =
  { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit. Items submitted while a batch is being stored wait, and go together as
 * the next batch once it is done; an idle path stores an item at once (no timer). One
 * batch at a time, in submission order, so items submitted one after another are stored
 * in that order. A batch that fails as a whole is tried again item by item, so one bad
 * item fails alone. A batch takes at most `maxPerKey` items of one key (a sender), the
 * earliest: one user's burst is spread over several batches, so another user's send is
 * never stored (nor published, the outbox keeping that order) behind all of it.
 */
export class SendBatcher<T, R> {
  private queue: Waiting<T, R>[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: (items: readonly T[]) => Promise<readonly ItemOutcome<R>[]>,
    private readonly maxBatch: number,
    private readonly keyOf: (item: T) => string = () => '',
    private readonly maxPerKey: number = maxBatch,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error('maxBatch must be ≥ 1');
    if (!Number.isInteger(maxPerKey) || maxPerKey < 1) throw new Error('maxPerKey must be ≥ 1');
  }

  /** Queues `item` now (synchronously, so the order of calls is the order stored). */
  submit(item: T): Promise<R> {
    const answer = new Promise<R>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    this.running ??= this.drain();
    return answer;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.storeBatch(this.nextBatch());
    } finally {
      this.running = undefined;
    }
  }

  /** The earliest waiting items, at most `maxPerKey` of a key; the others keep their order. */
  private nextBatch(): Waiting<T, R>[] {
    const batch: Waiting<T, R>[] = [];
    const rest: Waiting<T, R>[] = [];
    const taken = new Map<string, number>();
    for (const waiting of this.queue) {
      const key = this.keyOf(waiting.item);
      const count = taken.get(key) ?? 0;
      if (batch.length < this.maxBatch && count < this.maxPerKey) {
        batch.push(waiting);
        taken.set(key, count + 1);
      } else rest.push(waiting);
    }
    this.queue = rest;
    return batch;
  }

  private async storeBatch(batch: readonly Waiting<T, R>[]): Promise<void> {
    let outcomes: readonly ItemOutcome<R>[];
    try {
      outcomes = await this.store(batch.map((waiting) => waiting.item));
      if (outcomes.length !== batch.length)
        throw new Error(`a batch of ${batch.length} answered ${outcomes.length} outcomes`);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      for (const waiting of batch) await this.storeBatch([waiting]);
      return;
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index] as ItemOutcome<R>;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  }
}
