import { JwksKeySet, kidOf, type SigningKeySource } from './jwks-keys';

/** A JWKS endpoint serving `keys` (kid → PEM), counting its reads; `down` fails them. */
class FakeJwks implements SigningKeySource {
  reads = 0;
  down = false;
  constructor(public keys: Record<string, string>) {}

  getSigningKeys() {
    this.reads += 1;
    if (this.down) return Promise.reject(new Error('connection refused'));
    return Promise.resolve(
      Object.entries(this.keys).map(([kid, pem]) => ({ kid, getPublicKey: () => pem })),
    );
  }
}

describe('JwksKeySet', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => {
    clock = 1_000_000;
  });

  it('keeps serving a known key once made-up kids have used up the reads for unknown ones', async () => {
    const jwks = new FakeJwks({ real: 'PEM-real' });
    const set = new JwksKeySet(jwks, { cacheSeconds: 30, fetchesPerMinute: 2 }, now);
    expect(await set.keyOf('real')).toBe('PEM-real');
    for (let n = 0; n < 20; n += 1) expect(await set.keyOf(`made-up-${n}`)).toBeUndefined();
    expect(jwks.reads).toBe(3);
    // The set grows old within the minute the attack used up: the known key is read
    // again all the same.
    clock += 31_000;
    expect(await set.keyOf('made-up-again')).toBeUndefined();
    expect(await set.keyOf('real')).toBe('PEM-real');
    expect(jwks.reads).toBe(4);
  });

  it('picks up a new kid at once, and lets a removed key go once the set is old', async () => {
    const jwks = new FakeJwks({ old: 'PEM-old' });
    const set = new JwksKeySet(jwks, { cacheSeconds: 300, fetchesPerMinute: 10 }, now);
    expect(await set.keyOf('old')).toBe('PEM-old');
    jwks.keys = { next: 'PEM-next' };
    expect(await set.keyOf('next')).toBe('PEM-next');
    // Read again for `next`: the set no longer has `old`.
    expect(await set.keyOf('old')).toBeUndefined();
  });

  it('reads again for unknown kids only so often a minute', async () => {
    const jwks = new FakeJwks({ real: 'PEM-real' });
    const set = new JwksKeySet(jwks, { cacheSeconds: 300, fetchesPerMinute: 2 }, now);
    // The first read is the set's own (it had none); then two for unknown kids.
    for (const kid of ['a', 'b', 'c', 'd']) await set.keyOf(kid);
    expect(jwks.reads).toBe(3);
    clock += 60_000;
    await set.keyOf('e');
    expect(jwks.reads).toBe(4);
  });

  it('does not read again for an unknown kid when the set was just read for being old', async () => {
    const jwks = new FakeJwks({ real: 'PEM-real' });
    const set = new JwksKeySet(jwks, { cacheSeconds: 300, fetchesPerMinute: 10 }, now);
    expect(await set.keyOf('unknown')).toBeUndefined();
    expect(jwks.reads).toBe(1);
  });

  it('reads once for lookups that need it at the same time', async () => {
    const jwks = new FakeJwks({ real: 'PEM-real' });
    const set = new JwksKeySet(jwks, { cacheSeconds: 300, fetchesPerMinute: 10 }, now);
    expect(await Promise.all([set.keyOf('real'), set.keyOf('real'), set.keyOf('real')])).toEqual([
      'PEM-real',
      'PEM-real',
      'PEM-real',
    ]);
    expect(jwks.reads).toBe(1);
  });

  it('throws when the set is due and cannot be read, and recovers when it can', async () => {
    const jwks = new FakeJwks({ real: 'PEM-real' });
    const set = new JwksKeySet(jwks, { cacheSeconds: 300, fetchesPerMinute: 10 }, now);
    jwks.down = true;
    await expect(set.keyOf('real')).rejects.toThrow('connection refused');
    jwks.down = false;
    expect(await set.keyOf('real')).toBe('PEM-real');
  });
});

describe('kidOf', () => {
  const header = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it("reads the header's kid", () => {
    expect(kidOf(`${header({ alg: 'ES256', kid: 'k1' })}.e30.sig`)).toBe('k1');
  });

  it.each([
    ['no kid', `${header({ alg: 'ES256' })}.e30.sig`],
    ['an empty kid', `${header({ kid: '' })}.e30.sig`],
    ['a kid that is no string', `${header({ kid: 7 })}.e30.sig`],
    ['a header that is no JSON', 'bm90IGpzb24.e30.sig'],
    ['no token', undefined],
  ])('has none for %s', (_case, token) => {
    expect(kidOf(token)).toBeUndefined();
  });
});
