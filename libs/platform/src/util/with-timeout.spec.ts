import { TimeoutError, withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('settles with the promise when it is in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'fast')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('boom')), 50, 'fast')).rejects.toThrow(
      'boom',
    );
  });

  it('rejects with a TimeoutError naming the operation when it is late', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withTimeout(never, 20, 'Kafka ping')).rejects.toThrow(
      new TimeoutError('Kafka ping', 20),
    );
  });
});
