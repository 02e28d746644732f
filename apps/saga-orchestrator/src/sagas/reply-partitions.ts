import { Partitioners } from 'kafkajs';

/** Where a keyed record goes, as the participants' producers (kafkajs' default) place it. */
const placeKeyed = Partitioners.DefaultPartitioner();

/** The partition of `saga.replies` a saga's replies go to (they are keyed by its id). */
export function replyPartitionOf(sagaId: string, partitions: number): number {
  return placeKeyed({
    topic: 'saga.replies',
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      offlineReplicas: [],
      partitionErrorCode: 0,
    })),
    message: { key: sagaId, value: null },
  });
}

export interface ReplyPartitionReadiness {
  /**
   * Whether the group has read what waited in Kafka when it is called (false: it stopped,
   * or `wanted()` turned false, when the answer is of no use any more).
   */
  caughtUp(wanted: () => boolean): Promise<boolean>;
  /** How many partitions `saga.replies` has now (the contract's count if Kafka cannot say). */
  partitionCount(): Promise<number>;
  /** When the consumer last heard from Kafka (epoch ms). */
  lastContactAt(): number;
  /** A check of how far the group has read failed (it is made again at the next sweep). */
  checkFailed(error: unknown): void;
}

/**
 * Which sagas this orchestrator instance may time out: those whose replies partition it
 * holds and has read what waited in, as the group gave it. A reply on a partition moving
 * between instances (one killed, a deploy, a scale-out) waits unread until the move is
 * done; a step that answered in time must not be undone meanwhile by another instance.
 * Nor while the group is behind: a step is timed out only once the group has read every
 * record that was in Kafka at some moment past its deadline, so a reply sent in time that
 * waits unread behind a backlog (a burst of signups) is applied, not undone.
 * A step overdue by more than `graceMs` is timed out whoever holds its partition: a
 * partition nobody holds for that long (or partitions counted wrong) must not keep a saga
 * from ever finishing. Partitions held count only while the consumer has heard from
 * Kafka within `leaseMs`: one cut off from it, or rejoining without a rebalance being
 * announced (kafkajs does so after its member was evicted), may have lost them already.
 */
export class ReplyPartitions {
  private held: ReadonlySet<number> = new Set();
  private partitions: number | undefined;
  /** Counts the group's changes, so that an answer for an earlier one is dropped. */
  private generation = 0;
  /** The group has read every record that was in Kafka at this moment (epoch ms). */
  private readUpTo = 0;
  /** A check of how far the group has read is under way (`checkReading`). */
  private checking = false;

  constructor(
    private readonly readiness: ReplyPartitionReadiness,
    private readonly graceMs: number,
    private readonly leaseMs: number,
  ) {}

  /**
   * The group gave this instance `partitions` of `saga.replies`, or took them back
   * (undefined). They count once the group has caught up with what waited in them.
   */
  async assigned(partitions: readonly number[] | undefined): Promise<void> {
    const generation = ++this.generation;
    this.held = new Set();
    if (partitions === undefined) return;
    const askedAt = Date.now();
    const [caughtUp, count] = await Promise.all([
      this.readiness.caughtUp(() => generation === this.generation),
      this.readiness.partitionCount(),
    ]);
    if (!caughtUp || generation !== this.generation) return;
    this.partitions = count;
    this.held = new Set(partitions);
    this.readUpTo = Math.max(this.readUpTo, askedAt);
  }

  /**
   * Whether a step of saga `sagaId` whose deadline was `deadline` (epoch ms) may be timed
   * out here now. Where only the group's reading is not yet past the deadline, a check of
   * it starts, and a later sweep has the answer.
   */
  mayTimeOut(sagaId: string, deadline: number): boolean {
    const now = Date.now();
    if (now - deadline >= this.graceMs) return true;
    if (this.partitions === undefined || this.held.size === 0) return false;
    if (now - this.readiness.lastContactAt() > this.leaseMs) return false;
    if (!this.held.has(replyPartitionOf(sagaId, this.partitions))) return false;
    if (this.readUpTo >= deadline) return true;
    this.checkReading();
    return false;
  }

  /** Finds out, unless that is under way, whether the group has read what Kafka holds now. */
  private checkReading(): void {
    if (this.checking) return;
    this.checking = true;
    const generation = this.generation;
    const askedAt = Date.now();
    this.readiness
      .caughtUp(() => generation === this.generation)
      .then(
        (caughtUp) => {
          if (caughtUp && generation === this.generation)
            this.readUpTo = Math.max(this.readUpTo, askedAt);
        },
        (error: unknown) => this.readiness.checkFailed(error),
      )
      .finally(() => {
        this.checking = false;
      });
  }
}
