export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * At most `limit` hits per key in each fixed window of `windowMs`. Keys are forgotten
 * when their window ends; past `maxKeys` live keys the oldest go first, so memory stays
 * bounded under a flood of distinct keys.
 */
export class FixedWindowRateLimiter {
  private readonly windows = new Map<string, { startedAt: number; hits: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= this.windowMs) {
      this.windows.delete(key);
      window = { startedAt: now, hits: 0 };
      this.windows.set(key, window);
      this.evict(now);
    }
    if (window.hits >= this.limit) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)),
      };
    }
    window.hits += 1;
    return { allowed: true };
  }

  private evict(now: number): void {
    // Map order is insertion order: the first entries are the oldest windows.
    for (const [key, window] of this.windows) {
      if (this.windows.size <= this.maxKeys && now - window.startedAt < this.windowMs) break;
      this.windows.delete(key);
    }
  }
}

/**
 * A token bucket per key: up to `burst` hits at once, refilled at `perSecond`. Idle keys
 * (whose bucket is full again) are forgotten first once `maxKeys` are live.
 */
export class TokenBucketRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond,
    );
    bucket.at = now;
    this.buckets.delete(key);
    this.buckets.set(key, bucket); // most recently used last
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens < 1) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond)),
      };
    }
    bucket.tokens -= 1;
    return { allowed: true };
  }
}
