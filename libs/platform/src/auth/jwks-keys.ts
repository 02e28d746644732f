import { AccessTokenCheckUnavailableError } from '@scale-chat/access-tokens';
import { JwksRateLimitError, passportJwtSecret, SigningKeyNotFoundError } from 'jwks-rsa';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { parsedKeys } from './parsed-keys';

export interface JwksFetching {
  /** How long a fetched key is used before the set is read again. */
  readonly cacheSeconds: number;
  /** Fetches of the set a minute, at most. */
  readonly fetchesPerMinute: number;
}

/**
 * The public key of a token's `kid`, from auth's JWKS through `jwks-rsa`: each key kept
 * `cacheSeconds` (so a key removed from the set stops verifying within that), an unknown
 * `kid` fetching the set again (so a new key is picked up without a restart), at most
 * `fetchesPerMinute` fetches (so made-up kids cannot make us hammer auth). A `kid` the set
 * does not have, or one asked for past that limit (its set was read moments ago), is no
 * key: the token is refused. A set that cannot be fetched is
 * `AccessTokenCheckUnavailableError`: a 503, not a 401. Each key is handed out parsed
 * (`parsedKeys`).
 */
export function jwksKeys(url: string, fetching: JwksFetching): SecretOrKeyProvider {
  const fromJwks = passportJwtSecret({
    jwksUri: url,
    cache: true,
    cacheMaxAge: fetching.cacheSeconds * 1000,
    cacheMaxEntries: 10,
    rateLimit: true,
    jwksRequestsPerMinute: fetching.fetchesPerMinute,
    timeout: 5_000,
    handleSigningKeyError: (error, done) => {
      if (error instanceof SigningKeyNotFoundError || error instanceof JwksRateLimitError) {
        done(null);
        return;
      }
      done(
        new AccessTokenCheckUnavailableError('the public keys are out of reach', { cause: error }),
      );
    },
  }) as SecretOrKeyProvider;
  return parsedKeys(fromJwks);
}
