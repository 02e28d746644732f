interface Held<T> {
  /** When its read began: what it answers is as of then. */
  readonly since: number;
  readonly answer: Promise<T>;
  settled: boolean;
}

/**
 * Answers shared by every caller that asks for the same key while one is being read, and
 * for `freshMs` after its read began: N dashboards polling one costly figure cost one
 * query in flight, and at most one every `freshMs`, not N. A read that fails is shared
 * only with the callers already waiting for it. Meant for a few keys (one a window).
 */
export class SharedAnswers<T> {
  private readonly held = new Map<string, Held<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  get(key: string, freshMs: number, read: () => Promise<T>): Promise<T> {
    const held = this.held.get(key);
    if (held !== undefined && (!held.settled || this.now() - held.since < freshMs))
      return held.answer;
    const entry: Held<T> = { since: this.now(), answer: read(), settled: false };
    this.held.set(key, entry);
    entry.answer.then(
      () => {
        entry.settled = true;
      },
      () => {
        if (this.held.get(key) === entry) this.held.delete(key);
      },
    );
    return entry.answer;
  }
}
