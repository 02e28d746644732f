import { FixedWindowRateLimiter } from './rate-limiter';

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
