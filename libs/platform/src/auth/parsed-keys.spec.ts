import { KeyObject } from 'node:crypto';
import { generateSigningKey } from '@scale-chat/access-tokens';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { parsedKeys } from './parsed-keys';

// Verifying with the parsed key: bearer-authentication.spec.ts.
const { publicKeyPem } = generateSigningKey();
const asText: SecretOrKeyProvider = (_request, _token, done) => done(null, publicKeyPem);

/** What `provider` hands passport-jwt for `token`. */
function keyFor(provider: SecretOrKeyProvider, token = 'a.b.c'): Promise<unknown> {
  return new Promise((resolve, reject) =>
    provider(undefined, token, (error: unknown, found?: unknown) =>
      error === null || error === undefined ? resolve(found) : reject(error as Error),
    ),
  );
}

describe('parsedKeys', () => {
  it('hands out the PEM key parsed, once for every token it is asked for', async () => {
    const keys = parsedKeys(asText);
    const first = await keyFor(keys);
    expect(first).toBeInstanceOf(KeyObject);
    expect(await keyFor(keys)).toBe(first);
  });

  it("passes the provider's errors on, and a token with no key stays without one", async () => {
    const failure = new Error('the set is out of reach');
    await expect(keyFor(parsedKeys((_request, _token, done) => done(failure)))).rejects.toBe(
      failure,
    );
    await expect(
      keyFor(parsedKeys((_request, _token, done) => done(null, undefined))),
    ).resolves.toBeUndefined();
  });
});
