import { eventually, eventuallyValue } from './eventually';

describe('eventually', () => {
  it('resolves once the condition holds, looking again meanwhile', async () => {
    let looks = 0;
    await eventually('the third look', () => (looks += 1) >= 3, { intervalMs: 1 });
    expect(looks).toBe(3);
  });

  it('gives up after the timeout, naming what it waited for', async () => {
    await expect(eventually('a thing that never happens', () => false, 30)).rejects.toThrow(
      'a thing that never happens: not ready after 30 ms (last seen: false)',
    );
  });

  it('stops at once when failed() gives a reason', async () => {
    await expect(
      eventually('a process to answer', () => false, { failed: () => 'it exited with 1' }),
    ).rejects.toThrow('a process to answer: it exited with 1');
  });

  it('takes async checks, and their errors end the wait', async () => {
    await expect(
      eventually('an async check', () => Promise.reject(new Error('no database'))),
    ).rejects.toThrow('no database');
  });
});

describe('eventuallyValue', () => {
  it('returns the first value that is done', async () => {
    let n = 0;
    await expect(
      eventuallyValue(
        'n to reach 2',
        () => (n += 1),
        (v) => v >= 2,
        { intervalMs: 1 },
      ),
    ).resolves.toBe(2);
  });

  it('says the last value it saw when it gives up', async () => {
    await expect(
      eventuallyValue(
        'the figures',
        () => ({ users: 1 }),
        (figures) => figures.users === 2,
        20,
      ),
    ).rejects.toThrow('the figures: not ready after 20 ms (last seen: {"users":1})');
  });
});
