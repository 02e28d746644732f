import { FixedWindowRateLimiter, TokenBucketRateLimiter } from './rate-limiter';

describe('FixedWindowRateLimiter', () => {
  let now = 0;
  const clock = () => now;

  beforeEach(() => {
    now = 1_000_000;
  });

  it('allows `limit` hits per window and says when to come back', () => {
    const limiter = new FixedWindowRateLimiter(3, 60_000, 100, clock);
    expect([1, 2, 3].map(() => limiter.take('ip').allowed)).toEqual([true, true, true]);
    now += 15_000;
    expect(limiter.take('ip')).toEqual({ allowed: false, retryAfterSeconds: 45 });
    expect(limiter.take('other').allowed).toBe(true);
    now += 45_000;
    expect(limiter.take('ip').allowed).toBe(true);
  });

  it('keeps at most maxKeys keys, dropping the oldest', () => {
    const limiter = new FixedWindowRateLimiter(1, 60_000, 2, clock);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    // "a" was dropped, so it is allowed again; "c" is still counted.
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
  });
});

describe('TokenBucketRateLimiter', () => {
  let now = 0;
  const clock = () => now;

  it('allows a burst, then the sustained rate, per key', () => {
    now = 1_000_000;
    const limiter = new TokenBucketRateLimiter(5, 2, 100, clock);
    expect(Array.from({ length: 6 }, () => limiter.take('ann').allowed)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
    expect(limiter.take('bob').allowed).toBe(true);
    now += 500; // one token back at 2 per second
    expect(limiter.take('ann').allowed).toBe(true);
    expect(limiter.take('ann')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 60_000; // never more than the burst
    expect(
      Array.from({ length: 6 }, () => limiter.take('ann').allowed).filter(Boolean),
    ).toHaveLength(5);
  });

  it('keeps at most maxKeys buckets, dropping the least recently used', () => {
    now = 0;
    const limiter = new TokenBucketRateLimiter(1, 1, 2, clock);
    limiter.take('a');
    limiter.take('b');
    limiter.take('c'); // 'a' is forgotten: a full bucket again
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('c').allowed).toBe(false);
  });
});
