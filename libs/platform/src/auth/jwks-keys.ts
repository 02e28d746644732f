import { AccessTokenCheckUnavailableError } from '@scale-chat/access-tokens';
import { JwksClient } from 'jwks-rsa';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { parsedKeys } from './parsed-keys';

export interface JwksFetching {
  /** How long a fetched set is used before it is read again. */
  readonly cacheSeconds: number;
  /** Reads of the set a minute, at most, for kids it does not have. */
  readonly fetchesPerMinute: number;
}

/** What the key set needs of a JWKS client: the signing keys the endpoint serves now. */
export interface SigningKeySource {
  getSigningKeys(): Promise<readonly { kid: string; getPublicKey(): string }[]>;
}

/**
 * Auth's JWKS as this service knows it: the whole set, read again once it is
 * `cacheSeconds` old (so a key removed from it stops verifying within that), and at once
 * for a `kid` it does not have (so a new key is picked up without a restart), but at most
 * `fetchesPerMinute` times a minute for those, so made-up kids can neither make us hammer
 * auth nor use up what the known keys need: a known key never waits for that budget.
 */
export class JwksKeySet {
  private keys: ReadonlyMap<string, string> = new Map();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;
  /** When the set was read for kids it did not have, within the last minute. */
  private readsForUnknown: number[] = [];

  constructor(
    private readonly source: SigningKeySource,
    private readonly fetching: JwksFetching,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The PEM public key of `kid`, or undefined when the set has no such key (or it may not
   * be read again this minute for one it has not): the token is refused. Throws when the
   * set is due to be read and cannot be.
   */
  async keyOf(kid: string): Promise<string | undefined> {
    const due = this.now() - this.readAt >= this.fetching.cacheSeconds * 1000;
    if (due) await this.read();
    const known = this.keys.get(kid);
    // Just read: reading again would say the same, and spend the budget for nothing.
    if (known !== undefined || due || !this.mayReadForUnknown()) return known;
    await this.read();
    return this.keys.get(kid);
  }

  private mayReadForUnknown(): boolean {
    const now = this.now();
    this.readsForUnknown = this.readsForUnknown.filter((at) => now - at < 60_000);
    if (this.readsForUnknown.length >= this.fetching.fetchesPerMinute) return false;
    this.readsForUnknown.push(now);
    return true;
  }

  /** One read at a time: requests that need it meanwhile share it. */
  private read(): Promise<void> {
    this.reading ??= this.source
      .getSigningKeys()
      .then((keys) => {
        this.keys = new Map(keys.map((key) => [key.kid, key.getPublicKey()]));
        this.readAt = this.now();
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}

/** The `kid` of a compact JWS's header, or undefined when it has none (or is no JWS). */
export function kidOf(rawJwtToken: unknown): string | undefined {
  if (typeof rawJwtToken !== 'string') return undefined;
  const [header] = rawJwtToken.split('.', 1);
  try {
    const { kid } = JSON.parse(Buffer.from(header ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof kid === 'string' && kid !== '' ? kid : undefined;
  } catch {
    // Not a JWS at all: no key, and passport-jwt refuses the token.
    return undefined;
  }
}

/**
 * The public key of a token's `kid` from auth's JWKS (`JwksKeySet`). A token without a
 * `kid`, or with one the set does not have, gets no key: it is refused (401). A set that
 * cannot be read is `AccessTokenCheckUnavailableError`: a 503, not a 401. Each key is
 * handed out parsed (`parsedKeys`).
 */
export function jwksKeys(url: string, fetching: JwksFetching): SecretOrKeyProvider {
  const set = new JwksKeySet(
    new JwksClient({ jwksUri: url, cache: false, rateLimit: false, timeout: 5_000 }),
    fetching,
  );
  const provider: SecretOrKeyProvider = (_request, rawJwtToken, done) => {
    const kid = kidOf(rawJwtToken);
    if (kid === undefined) {
      done(null);
      return;
    }
    set.keyOf(kid).then(
      (key) => done(null, key),
      (error: unknown) =>
        done(
          new AccessTokenCheckUnavailableError('the public keys are out of reach', {
            cause: error,
          }),
        ),
    );
  };
  return parsedKeys(provider);
}
