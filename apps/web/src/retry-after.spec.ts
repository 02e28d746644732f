import { retryAfterSeconds, waitPhrase } from './retry-after';

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-11-22T16:00:00Z');

  it('reads a number of seconds', () => {
    expect(retryAfterSeconds('30', now)).toBe(30);
    expect(retryAfterSeconds(' 1 ', now)).toBe(1);
    expect(retryAfterSeconds('0', now)).toBe(1);
  });

  it('reads an HTTP date, rounded up', () => {
    expect(retryAfterSeconds('Sun, 22 Nov 2026 16:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('Sun, 22 Nov 2026 15:00:00 GMT', now)).toBe(1);
  });

  it.each([null, '', 'soon', '-5', '1.5', '12abc'])('knows nothing from %j', (header) => {
    expect(retryAfterSeconds(header, now)).toBeUndefined();
  });
});

describe('waitPhrase', () => {
  it.each([
    [1, 'in 1 second'],
    [45, 'in 45 seconds'],
    [60, 'in 1 minute'],
    [61, 'in 2 minutes'],
    [3600, 'in 1 hour'],
    [7201, 'in 3 hours'],
  ])('%i s → %s', (seconds, text) => {
    expect(waitPhrase(seconds)).toBe(text);
  });
});
