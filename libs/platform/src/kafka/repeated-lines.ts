/** How long an identical line is held back after it was written. */
const DEFAULT_WINDOW_MS = 10_000;
/** Lines remembered at most; the oldest are forgotten first (and written again if they recur). */
const REMEMBERED_LINES = 1_000;

/**
 * Holds back a log line written moments ago. kafkajs logs every failed connection attempt
 * of every client (each producer, consumer and admin, each retry): with the broker away a
 * service wrote about ten identical ERROR lines a second. The first of a kind is written;
 * the same line within `windowMs` of it is counted instead; the next one written after
 * that says how many it stands for.
 */
export class RepeatedLines {
  private readonly lines = new Map<string, { until: number; held: number }>();

  constructor(
    private readonly windowMs = DEFAULT_WINDOW_MS,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /**
   * Whether the line `key` is written now: `undefined` when it is held back, otherwise how
   * many like it were held back since the last one written (0 for a fresh line).
   */
  admit(key: string): number | undefined {
    const now = this.now();
    const line = this.lines.get(key);
    if (line !== undefined && now < line.until) {
      line.held += 1;
      return undefined;
    }
    this.lines.delete(key);
    this.lines.set(key, { until: now + this.windowMs, held: 0 });
    if (this.lines.size > REMEMBERED_LINES) {
      const oldest = this.lines.keys().next().value;
      if (oldest !== undefined) this.lines.delete(oldest);
    }
    return line?.held ?? 0;
  }
}
