import { randomUUID } from 'node:crypto';
import { replyPartitionOf, ReplyPartitions } from './reply-partitions';

const GRACE_MS = 30_000;

/** Readiness whose catching up the test settles itself. */
function readiness(partitions = 3) {
  const waiting: ((caughtUp: boolean) => void)[] = [];
  return {
    caughtUp: () => new Promise<boolean>((resolve) => waiting.push(resolve)),
    partitionCount: () => Promise.resolve(partitions),
    settle: (caughtUp = true) => {
      for (const resolve of waiting.splice(0)) resolve(caughtUp);
    },
  };
}

/** A saga id whose replies go to `partition` of 3. */
function sagaOn(partition: number): string {
  for (;;) {
    const id = randomUUID();
    if (replyPartitionOf(id, 3) === partition) return id;
  }
}

describe('ReplyPartitions: which late steps an orchestrator instance may time out', () => {
  it('places every saga id on one of the partitions, spread over all of them', () => {
    const seen = new Set(Array.from({ length: 300 }, () => replyPartitionOf(randomUUID(), 3)));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('times out nothing before the group gave it partitions, but what is overdue past the grace', () => {
    const partitions = new ReplyPartitions(readiness(), GRACE_MS);
    expect(partitions.mayTimeOut(sagaOn(0), 0)).toBe(false);
    expect(partitions.mayTimeOut(sagaOn(0), GRACE_MS)).toBe(true);
  });

  it('times out the sagas of the partitions it holds, once it has caught up with them', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS);
    const assigned = partitions.assigned([0, 2]);
    expect(partitions.mayTimeOut(sagaOn(0), 0)).toBe(false);
    ready.settle();
    await assigned;
    expect(partitions.mayTimeOut(sagaOn(0), 0)).toBe(true);
    expect(partitions.mayTimeOut(sagaOn(2), 0)).toBe(true);
    expect(partitions.mayTimeOut(sagaOn(1), 0)).toBe(false);
    expect(partitions.mayTimeOut(sagaOn(1), GRACE_MS)).toBe(true);
  });

  it('holds nothing from the moment a rebalance begins, and drops a catching up it overtook', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS);
    const first = partitions.assigned([0, 1, 2]);
    ready.settle();
    await first;
    expect(partitions.mayTimeOut(sagaOn(1), 0)).toBe(true);

    await partitions.assigned(undefined);
    expect(partitions.mayTimeOut(sagaOn(1), 0)).toBe(false);

    // Joined again with partition 1, then a rebalance before it caught up: still nothing.
    const again = partitions.assigned([1]);
    await partitions.assigned(undefined);
    ready.settle();
    await again;
    expect(partitions.mayTimeOut(sagaOn(1), 0)).toBe(false);
  });

  it('holds nothing when the group could not catch up (the consumer stopped)', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS);
    const assigned = partitions.assigned([0, 1, 2]);
    ready.settle(false);
    await assigned;
    expect(partitions.mayTimeOut(sagaOn(0), 0)).toBe(false);
  });
});
