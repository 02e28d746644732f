import { RepeatedLines } from './repeated-lines';

describe('RepeatedLines (a log line repeated within a window is held back)', () => {
  let now = 0;
  const lines = () => new RepeatedLines(10_000, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('writes a fresh line, and the same line again only once the window is over', () => {
    const repeated = lines();
    expect(repeated.admit('ECONNREFUSED')).toBe(0);
    now += 200;
    expect(repeated.admit('ECONNREFUSED')).toBeUndefined();
    now += 9_799;
    expect(repeated.admit('ECONNREFUSED')).toBeUndefined();
    now += 1;
    // The window (10 s from the one written) is over: written, standing for the two held.
    expect(repeated.admit('ECONNREFUSED')).toBe(2);
    now += 10_000;
    expect(repeated.admit('ECONNREFUSED')).toBe(0);
  });

  it('holds back each line by its own window', () => {
    const repeated = lines();
    expect(repeated.admit('a')).toBe(0);
    expect(repeated.admit('b')).toBe(0);
    expect(repeated.admit('a')).toBeUndefined();
    expect(repeated.admit('c')).toBe(0);
  });

  it('forgets the oldest lines past a thousand, so ever new lines cannot grow it for good', () => {
    const repeated = lines();
    for (let index = 0; index <= 1_000; index += 1) repeated.admit(`line ${index}`);
    // The first was forgotten: written again at once; the last is still held back.
    expect(repeated.admit('line 0')).toBe(0);
    expect(repeated.admit('line 1000')).toBeUndefined();
  });
});
