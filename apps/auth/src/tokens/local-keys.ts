import type { SigningKey } from '@scale-chat/access-tokens';
import { parsedKeys } from '@scale-chat/platform';
import type { SecretOrKeyProvider } from 'passport-jwt';

/** The `kid` of a token's header, if it has one that can be read. */
function kidOf(token: string): unknown {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as {
      kid?: unknown;
    };
    return header.kid;
  } catch {
    return undefined; // not a token: no key, and passport-jwt refuses it
  }
}

/**
 * auth verifies its own tokens with the public halves of its own keys (current and
 * previous), found by `kid`, with no JWKS round trip, and parsed once (`parsedKeys`); an
 * unknown `kid` has no key.
 */
export function localKeys(keys: readonly SigningKey[]): SecretOrKeyProvider {
  return parsedKeys((_request, rawJwtToken: string, done) => {
    const kid = kidOf(rawJwtToken);
    done(null, keys.find((key) => key.kid === kid)?.publicKeyPem);
  });
}
