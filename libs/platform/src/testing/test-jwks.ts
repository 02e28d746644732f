import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessTokenSigner, generateSigningKey, type SigningKey } from '@scale-chat/access-tokens';

export interface TestJwks {
  /** The key served first. */
  readonly key: SigningKey;
  /** Signs access tokens with `key`. */
  readonly signer: AccessTokenSigner;
  /** Where the key set is served (a service's `AUTH_JWKS_URL`). */
  readonly url: string;
  /** Serves these keys from now on (a rotation), or answers 503 for `unavailable`. */
  serve(keys: readonly SigningKey[] | 'unavailable'): void;
  close(): Promise<void>;
}

/** A signing key (fresh by default) and a JWKS endpoint serving its public half, as auth's would. */
export async function startTestJwks(key: SigningKey = generateSigningKey()): Promise<TestJwks> {
  let served: readonly SigningKey[] | 'unavailable' = [key];
  const server = createServer((_request, response) => {
    if (served === 'unavailable') {
      response.statusCode = 503;
      response.end();
      return;
    }
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: served.map((each) => each.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    key,
    signer: AccessTokenSigner.forKey(key),
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    serve: (keys) => {
      served = keys;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
