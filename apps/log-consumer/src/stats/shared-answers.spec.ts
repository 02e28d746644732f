import { SharedAnswers } from './shared-answers';

/** A read whose answer the test gives when it likes, counting how often it was asked. */
function controlledRead() {
  const settle: { resolve: (value: number) => void; reject: (error: Error) => void }[] = [];
  const read = jest.fn(
    () =>
      new Promise<number>((resolve, reject) => {
        settle.push({ resolve, reject });
      }),
  );
  return { read, settle };
}

describe('SharedAnswers', () => {
  let clock: number;
  let answers: SharedAnswers<number>;
  beforeEach(() => {
    clock = 1_000;
    answers = new SharedAnswers(() => clock);
  });

  it('shares one read among callers while it is in flight, however long it takes', async () => {
    const { read, settle } = controlledRead();
    const first = answers.get('24h', 3_000, read);
    clock += 10_000;
    const second = answers.get('24h', 3_000, read);
    expect(read).toHaveBeenCalledTimes(1);
    settle[0]?.resolve(7);
    await expect(Promise.all([first, second])).resolves.toEqual([7, 7]);
  });

  it('answers the same for freshMs after the read began, then reads again', async () => {
    const { read, settle } = controlledRead();
    const first = answers.get('24h', 3_000, read);
    settle[0]?.resolve(1);
    await first;
    clock += 2_999;
    await expect(answers.get('24h', 3_000, read)).resolves.toBe(1);
    expect(read).toHaveBeenCalledTimes(1);
    clock += 1;
    const again = answers.get('24h', 3_000, read);
    expect(read).toHaveBeenCalledTimes(2);
    settle[1]?.resolve(2);
    await expect(again).resolves.toBe(2);
  });

  it('with freshMs 0 shares only a read in flight, and keeps keys apart', async () => {
    const { read, settle } = controlledRead();
    const hour = answers.get('1h', 0, read);
    const day = answers.get('24h', 0, read);
    expect(read).toHaveBeenCalledTimes(2);
    settle[0]?.resolve(1);
    settle[1]?.resolve(24);
    await expect(Promise.all([hour, day])).resolves.toEqual([1, 24]);
    const later = answers.get('1h', 0, read);
    expect(read).toHaveBeenCalledTimes(3);
    settle[2]?.resolve(3);
    await expect(later).resolves.toBe(3);
  });

  it('fails the callers of a failed read, and the next caller reads again', async () => {
    const { read, settle } = controlledRead();
    const first = answers.get('24h', 3_000, read);
    const second = answers.get('24h', 3_000, read);
    settle[0]?.reject(new Error('statement timeout'));
    await expect(first).rejects.toThrow('statement timeout');
    await expect(second).rejects.toThrow('statement timeout');
    const third = answers.get('24h', 3_000, read);
    expect(read).toHaveBeenCalledTimes(2);
    settle[1]?.resolve(5);
    await expect(third).resolves.toBe(5);
  });
});
