/**
 * A request answered by every other instance (fetchSockets, serverSideEmit with acks).
 * It settles as soon as each instance it waits for has answered or has been dropped from
 * the cluster, so a dead instance costs at most the heartbeat timeout and a
 * liveness check (a second), not a fixed wait.
 */
export class PeerRequest<T> {
  private readonly awaiting: Set<string>;
  private readonly results: T[];
  private readonly timer: NodeJS.Timeout;
  private settled = false;

  constructor(
    peers: readonly string[],
    initial: readonly T[],
    timeoutMs: number,
    private readonly onDone: (results: T[], missing: readonly string[]) => void,
  ) {
    this.awaiting = new Set(peers);
    this.results = [...initial];
    this.timer = setTimeout(() => this.finish(), timeoutMs);
    this.timer.unref();
    if (this.awaiting.size === 0) this.finish();
  }

  get done(): boolean {
    return this.settled;
  }

  answer(peer: string, items: readonly T[]): void {
    if (this.settled || !this.awaiting.delete(peer)) return;
    this.results.push(...items);
    if (this.awaiting.size === 0) this.finish();
  }

  peerLost(peer: string): void {
    if (this.settled || !this.awaiting.delete(peer)) return;
    if (this.awaiting.size === 0) this.finish();
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.onDone(this.results, [...this.awaiting]);
  }
}

/**
 * A broadcast with acknowledgements across instances. Socket.IO completes it once it
 * has one client count per instance and as many acks as the counts add up to; an
 * instance's count is passed on only once all of its acks are in, so an instance that
 * dies half-way is counted with the acks it did deliver and the broadcast completes.
 */
export class AckCollector {
  private readonly nodes = new Map<string, { count?: number; acks: number; done: boolean }>();

  constructor(
    nodes: readonly string[],
    private readonly clientCountCallback: (count: number) => void,
    private readonly ack: (...args: unknown[]) => void,
  ) {
    for (const node of nodes) this.nodes.set(node, { acks: 0, done: false });
  }

  count(node: string, count: number): void {
    const state = this.nodes.get(node);
    if (state === undefined || state.done || state.count !== undefined) return;
    state.count = count;
    this.passOnIfComplete(state);
  }

  acked(node: string, value: unknown): void {
    const state = this.nodes.get(node);
    if (state === undefined || state.done) return;
    state.acks += 1;
    this.ack(value);
    this.passOnIfComplete(state);
  }

  nodeLost(node: string): void {
    const state = this.nodes.get(node);
    if (state === undefined || state.done) return;
    state.done = true;
    this.clientCountCallback(state.acks);
  }

  private passOnIfComplete(state: { count?: number; acks: number; done: boolean }): void {
    if (state.count !== undefined && state.acks >= state.count) {
      state.done = true;
      this.clientCountCallback(state.count);
    }
  }
}
