import { Passport } from 'passport';
import type { Strategy } from 'passport';

type Authenticator = InstanceType<typeof Passport>;

/**
 * `@nestjs/passport` registers every strategy in passport's one global registry, under
 * its name: several instances of a service in one process (as the integration tests
 * boot them) would all run the strategy, and so the keys and the database, of the last
 * one built. Each strategy here gets an authenticator of its own instead; a strategy
 * returns it from `getPassportInstance()`, which the mixin calls from its constructor.
 */
const authenticators = new WeakMap<Strategy, Authenticator>();

export function ownAuthenticator(strategy: Strategy): Authenticator {
  let authenticator = authenticators.get(strategy);
  if (authenticator === undefined) {
    authenticator = new Passport();
    authenticators.set(strategy, authenticator);
  }
  return authenticator;
}

/** What a strategy made of a request: the user it validated, or why it refused. */
export type StrategyOutcome<T> = { readonly user: T } | { readonly refusal: unknown };

/**
 * Runs `strategy` on `request` through its own authenticator. A refusal (passport's
 * `fail`) resolves with what the strategy said; an error (passport's `error`) rejects.
 */
export function runStrategy<T>(strategy: Strategy, request: object): Promise<StrategyOutcome<T>> {
  const authenticator = ownAuthenticator(strategy);
  return new Promise((resolve, reject) => {
    const middleware = authenticator.authenticate(
      strategy.name ?? '',
      { session: false },
      (error: unknown, user: T | false, refusal: unknown) => {
        if (error !== null && error !== undefined) reject(error);
        else if (user === false || user === null || user === undefined) resolve({ refusal });
        else resolve({ user });
      },
    ) as (request: object, response: object, next: (error?: unknown) => void) => void;
    middleware(request, {}, (error?: unknown) => reject(error ?? new Error('passport passed')));
  });
}
