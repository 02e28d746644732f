import { reusedFor } from './reused-for';

/** A run that settles when the test says so, and a clock the test moves. */
function setUp() {
  let clock = 0;
  let runs = 0;
  const settle: ((outcome: Error | string) => void)[] = [];
  const check = reusedFor(
    1_000,
    () => {
      runs += 1;
      return new Promise<string>((resolve, reject) =>
        settle.push((outcome) => (outcome instanceof Error ? reject(outcome) : resolve(outcome))),
      );
    },
    () => clock,
  );
  return {
    check,
    runs: () => runs,
    settleLast: (outcome: Error | string) => settle.at(-1)?.(outcome),
    advance: (ms: number) => (clock += ms),
  };
}

describe('reusedFor', () => {
  it('shares one run among the calls made while it is in flight', async () => {
    const { check, runs, settleLast } = setUp();
    const answers = [check(), check(), check()];
    settleLast('up');
    await expect(Promise.all(answers)).resolves.toEqual(['up', 'up', 'up']);
    expect(runs()).toBe(1);
  });

  it('reuses an answer for the given time after the run ended, then runs again', async () => {
    const { check, runs, settleLast, advance } = setUp();
    const first = check();
    advance(5_000); // a slow run: the reuse is counted from its end
    settleLast('up');
    await first;
    advance(999);
    await expect(check()).resolves.toBe('up');
    expect(runs()).toBe(1);

    advance(1);
    const second = check();
    settleLast('down');
    await expect(second).resolves.toBe('down');
    expect(runs()).toBe(2);
  });

  it('reuses a failure alike', async () => {
    const { check, runs, settleLast } = setUp();
    const first = check();
    settleLast(new Error('database: timeout'));
    await expect(first).rejects.toThrow('database: timeout');
    await expect(check()).rejects.toThrow('database: timeout');
    expect(runs()).toBe(1);
  });
});
