import { SendBatcher, type ItemOutcome } from './send-batcher';

/** A store whose batches the test answers by hand, recording what each batch held. */
function manualStore() {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const store = (items: readonly number[]) => {
    batches.push([...items]);
    return new Promise<ItemOutcome<string>[]>((resolve) =>
      pending.push(() => resolve(items.map((item) => ({ ok: true, value: `stored ${item}` })))),
    );
  };
  const finishNext = async () => {
    const next = pending.shift();
    if (next === undefined) throw new Error('no batch is in flight');
    next();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, store, finishNext };
}

describe('SendBatcher', () => {
  it('stores an item at once when idle, and what arrives meanwhile as the next batch', async () => {
    const { batches, store, finishNext } = manualStore();
    const batcher = new SendBatcher(store, 100);
    const answers = [1, 2, 3, 4].map((item) => batcher.submit(item));
    expect(batches).toEqual([[1]]);
    await finishNext();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    await finishNext();
    await expect(Promise.all(answers)).resolves.toEqual([
      'stored 1',
      'stored 2',
      'stored 3',
      'stored 4',
    ]);
  });

  it('splits what waits into batches of at most maxBatch, in order', async () => {
    const { batches, store, finishNext } = manualStore();
    const batcher = new SendBatcher(store, 2);
    const answers = [1, 2, 3, 4, 5, 6].map((item) => batcher.submit(item));
    for (let n = 0; n < 4; n += 1) await finishNext();
    await Promise.all(answers);
    expect(batches).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it("takes at most maxPerKey of one key's items into a batch, the earliest, so another key's item is not stored behind a burst", async () => {
    const { batches, store, finishNext } = manualStore();
    const batcher = new SendBatcher(
      store,
      100,
      (item: number) => (item < 100 ? 'flood' : 'talk'),
      2,
    );
    const answers = [0, 1, 2, 3, 4, 100, 5].map((item) => batcher.submit(item));
    for (let n = 0; n < 4; n += 1) await finishNext();
    await Promise.all(answers);
    expect(batches).toEqual([[0], [1, 2, 100], [3, 4], [5]]);
  });

  it("answers each item with its own outcome: one item's refusal fails it alone", async () => {
    const refusal = new Error('403');
    const batcher = new SendBatcher<number, number>(
      (items) =>
        Promise.resolve(
          items.map((item) =>
            item === 2 ? { ok: false, error: refusal } : { ok: true, value: item },
          ),
        ),
      10,
    );
    const answers = [1, 2, 3].map((item) => batcher.submit(item));
    await expect(answers[0]).resolves.toBe(1);
    await expect(answers[1]).rejects.toBe(refusal);
    await expect(answers[2]).resolves.toBe(3);
  });

  it('tries a batch that failed as a whole again item by item, so one bad item fails alone', async () => {
    const tried: number[][] = [];
    const batcher = new SendBatcher<number, number>((items) => {
      tried.push([...items]);
      if (items.includes(2)) return Promise.reject(new Error(`bad item in ${items.join(',')}`));
      return Promise.resolve(items.map((item) => ({ ok: true, value: item * 10 })));
    }, 10);
    const first = batcher.submit(0); // idle: alone
    const rest = [1, 2, 3].map((item) => batcher.submit(item));
    await first;
    await expect(rest[0]).resolves.toBe(10);
    await expect(rest[1]).rejects.toThrow('bad item in 2');
    await expect(rest[2]).resolves.toBe(30);
    expect(tried).toEqual([[0], [1, 2, 3], [1], [2], [3]]);
  });

  it('fails every item of a batch whose store answers the wrong number of outcomes', async () => {
    const batcher = new SendBatcher<number, number>(() => Promise.resolve([]), 10);
    await expect(batcher.submit(1)).rejects.toThrow('a batch of 1 answered 0 outcomes');
  });

  it('refuses a maxBatch or maxPerKey below one', () => {
    expect(() => new SendBatcher(() => Promise.resolve([]), 0)).toThrow('maxBatch must be ≥ 1');
    expect(
      () =>
        new SendBatcher(
          () => Promise.resolve([]),
          1,
          () => '',
          0,
        ),
    ).toThrow('maxPerKey must be ≥ 1');
  });
});
