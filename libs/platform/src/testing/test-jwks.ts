import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessTokenSigner, generateSigningKey } from '@scale-chat/access-tokens';

export interface TestJwks {
  /** Signs access tokens the served key verifies. */
  readonly signer: AccessTokenSigner;
  /** Where the key set is served (a service's `AUTH_JWKS_URL`). */
  readonly url: string;
  close(): Promise<void>;
}

/** A fresh signing key and a JWKS endpoint serving its public half, as auth's would. */
export async function startTestJwks(): Promise<TestJwks> {
  const key = await generateSigningKey();
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: [key.publicJwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    signer: new AccessTokenSigner(key),
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
