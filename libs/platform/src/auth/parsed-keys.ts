import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SecretOrKeyProvider } from 'passport-jwt';

/** Public keys kept parsed at most; a set that grows past it is parsed afresh. */
const MAX_PARSED_KEYS = 16;

/**
 * `provider`, handing passport-jwt each public key parsed once, as a `KeyObject`, rather
 * than as PEM text: jsonwebtoken parses a PEM key again on every verification, which is
 * two thirds of what verifying an ES256 token costs (about 300 µs against 90 µs a token,
 * bench/auth/token-verification.ts). Every REST request and socket handshake verifies
 * one. Which key a token gets is still the provider's choice, so a key dropped from the
 * set stops verifying as before.
 */
export function parsedKeys(provider: SecretOrKeyProvider): SecretOrKeyProvider {
  const parsed = new Map<string, KeyObject>();
  const parse = (pem: string): KeyObject => {
    let key = parsed.get(pem);
    if (key === undefined) {
      if (parsed.size >= MAX_PARSED_KEYS) parsed.clear();
      key = createPublicKey(pem);
      parsed.set(pem, key);
    }
    return key;
  };
  return (request, rawJwtToken, done) =>
    provider(request, rawJwtToken, (error, key) => {
      if (error !== null && error !== undefined) return done(error);
      if (typeof key !== 'string') return done(null, key);
      let object: KeyObject;
      try {
        object = parse(key);
      } catch (parseError) {
        return done(parseError);
      }
      // jsonwebtoken takes a KeyObject wherever it takes PEM text; passport-jwt's types
      // know only the text.
      done(null, object as unknown as string);
    });
}
