import { randomUUID } from 'node:crypto';
import { replyPartitionOf, ReplyPartitions } from './reply-partitions';

const GRACE_MS = 30_000;
const LEASE_MS = 5_000;
/** A deadline before any test's catching up: what limits a time-out then is the partitions. */
const PASSED = Date.now() - 1_000;
/** A deadline overdue past the grace. */
const LONG_PASSED = () => Date.now() - GRACE_MS;

/** Readiness whose catching up, and the consumer's last contact, the test sets itself. */
function readiness(partitions = 3) {
  const waiting: { resolve: (caughtUp: boolean) => void; wanted: () => boolean }[] = [];
  const state = {
    lastContact: Date.now(),
    caughtUp: (wanted: () => boolean) =>
      new Promise<boolean>((resolve) => waiting.push({ resolve, wanted })),
    partitionCount: () => Promise.resolve(partitions),
    lastContactAt: () => state.lastContact,
    checksFailed: [] as unknown[],
    checkFailed: (error: unknown) => state.checksFailed.push(error),
    /** Whether a catching up started is still wanted. */
    stillWanted: () => waiting.map(({ wanted }) => wanted()),
    settle: (caughtUp = true) => {
      for (const { resolve } of waiting.splice(0)) resolve(caughtUp);
    },
  };
  return state;
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
    const partitions = new ReplyPartitions(readiness(), GRACE_MS, LEASE_MS);
    expect(partitions.mayTimeOut(sagaOn(0), PASSED)).toBe(false);
    expect(partitions.mayTimeOut(sagaOn(0), LONG_PASSED())).toBe(true);
  });

  it('times out the sagas of the partitions it holds, once it has caught up with them', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS, LEASE_MS);
    const assigned = partitions.assigned([0, 2]);
    expect(partitions.mayTimeOut(sagaOn(0), PASSED)).toBe(false);
    ready.settle();
    await assigned;
    expect(partitions.mayTimeOut(sagaOn(0), PASSED)).toBe(true);
    expect(partitions.mayTimeOut(sagaOn(2), PASSED)).toBe(true);
    expect(partitions.mayTimeOut(sagaOn(1), PASSED)).toBe(false);
    expect(partitions.mayTimeOut(sagaOn(1), LONG_PASSED())).toBe(true);
  });

  it('holds nothing from the moment a rebalance begins, and drops a catching up it overtook', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS, LEASE_MS);
    const first = partitions.assigned([0, 1, 2]);
    ready.settle();
    await first;
    expect(partitions.mayTimeOut(sagaOn(1), PASSED)).toBe(true);

    await partitions.assigned(undefined);
    expect(partitions.mayTimeOut(sagaOn(1), PASSED)).toBe(false);

    // Joined again with partition 1, then a rebalance before it caught up: still nothing,
    // and that catching up is no longer wanted (it stops).
    const again = partitions.assigned([1]);
    expect(ready.stillWanted()).toEqual([true]);
    await partitions.assigned(undefined);
    expect(ready.stillWanted()).toEqual([false]);
    ready.settle();
    await again;
    expect(partitions.mayTimeOut(sagaOn(1), PASSED)).toBe(false);
  });

  it('counts its partitions only while its consumer has heard from Kafka within the lease', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS, LEASE_MS);
    const assigned = partitions.assigned([0, 1, 2]);
    ready.settle();
    await assigned;
    expect(partitions.mayTimeOut(sagaOn(2), PASSED)).toBe(true);
    ready.lastContact = Date.now() - LEASE_MS - 1;
    expect(partitions.mayTimeOut(sagaOn(2), PASSED)).toBe(false);
    expect(partitions.mayTimeOut(sagaOn(2), LONG_PASSED())).toBe(true);
    ready.lastContact = Date.now();
    expect(partitions.mayTimeOut(sagaOn(2), PASSED)).toBe(true);
  });

  it('holds nothing when the group could not catch up (the consumer stopped)', async () => {
    const ready = readiness();
    const partitions = new ReplyPartitions(ready, GRACE_MS, LEASE_MS);
    const assigned = partitions.assigned([0, 1, 2]);
    ready.settle(false);
    await assigned;
    expect(partitions.mayTimeOut(sagaOn(0), PASSED)).toBe(false);
  });

  it('times out a step only once the group has read what Kafka held after its deadline', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const ready = readiness();
      const partitions = new ReplyPartitions(ready, GRACE_MS, LEASE_MS);
      const assigned = partitions.assigned([0]);
      ready.settle();
      await assigned;
      const saga = sagaOn(0);
      // Overdue, but the group was last known to have read what Kafka held before the
      // deadline: its reply may wait unread behind a backlog.
      jest.setSystemTime(1_001_500);
      expect(partitions.mayTimeOut(saga, 1_001_000)).toBe(false);
      expect(partitions.mayTimeOut(saga, 1_001_000)).toBe(false);
      expect(ready.stillWanted()).toEqual([true]);
      // The group has read what Kafka held when that was asked (after the deadline).
      jest.setSystemTime(1_002_000);
      ready.settle();
      await new Promise((resolve) => setImmediate(resolve));
      expect(partitions.mayTimeOut(saga, 1_001_000)).toBe(true);
      // A deadline after that moment waits for a check of its own.
      expect(partitions.mayTimeOut(saga, 1_001_800)).toBe(false);
      expect(ready.stillWanted()).toEqual([true]);
      ready.settle(false);
      await new Promise((resolve) => setImmediate(resolve));
      expect(partitions.mayTimeOut(saga, 1_001_800)).toBe(false);
      expect(ready.checksFailed).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });
});
