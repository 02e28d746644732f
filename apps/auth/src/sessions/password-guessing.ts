import { createHmac, hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, SharedRateLimits, TooManyRequestsException } from '@scale-chat/platform';
import type { AuthConfig } from '../auth-config';
import { SIGNING_KEYS, type SigningKeys } from '../tokens/signing-keys';
import { UsersRepository } from '../users/users.repository';
import { SessionsRepository } from './sessions.repository';

/** The counter of password checks per account that did not log in (`rate_limit_windows`). */
const ATTEMPTS_RULE = 'login-failures-account';
const ATTEMPTS_WINDOW_MS = 15 * 60_000;

/** An id no user has (the nil UUID), looked up for a username no one has. */
const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Password guessing spread over many addresses, which the limits per address do not see.
 * Each password check counts against the account as typed (lower-cased, whether it exists
 * or not, so the answers name no usernames), across every instance, before the password
 * is hashed, and a right password gives its count back: so the count is the wrong ones,
 * and checks at the same moment cannot pass it together. Past
 * `LOGIN_FAILURES_PER_ACCOUNT_MAX` in 15 minutes the account is tried only from client
 * networks it has a login from; anyone else gets 429 until the window ends, unhashed.
 * So strangers do not lock the owner out where the owner has logged in (OWASP's advice
 * against lockout); the owner on a network new to the account waits with the guessers.
 */
@Injectable()
export class PasswordGuessing {
  private readonly failuresMax: number;
  /** Keys the networks' hashes, so a stored one cannot be reversed by trying every address. */
  private readonly networkKey: Buffer;

  constructor(
    @Inject(SERVICE_CONFIG) config: AuthConfig,
    @Inject(SIGNING_KEYS) keys: SigningKeys,
    private readonly counters: SharedRateLimits,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
  ) {
    this.failuresMax = config.extra.LOGIN_FAILURES_PER_ACCOUNT_MAX;
    this.networkKey = Buffer.from(
      hkdfSync('sha256', keys.current.privateKeyPem, '', 'scale-chat client networks', 32),
    );
  }

  /**
   * A client network (`clientNetwork`) as a login keeps it: an HMAC under a key derived
   * from the current signing key, never the address (a new signing key forgets them).
   */
  networkHash(network: string): string {
    return createHmac('sha256', this.networkKey).update(network).digest('base64url');
  }

  /**
   * Counts a password check of `username` from `network`: 429 once the account's
   * wrong passwords are used up, unless `network` is one it has a login from.
   */
  async admit(username: string, network: string): Promise<void> {
    const decision = await this.counters.take(
      ATTEMPTS_RULE,
      username.toLowerCase(),
      this.failuresMax,
      ATTEMPTS_WINDOW_MS,
    );
    if (decision.allowed) return;
    const user = await this.users.findByUsername(username);
    // The same two lookups for a username no one has: the time of a 429 names no accounts.
    const known = await this.sessions.hasLoggedInFrom(
      user?.id ?? NO_USER_ID,
      this.networkHash(network),
    );
    if (user !== null && known) return;
    throw new TooManyRequestsException(decision.retryAfterSeconds);
  }

  /** The password was right: its check was no guess, and counts no more. */
  async passed(username: string): Promise<void> {
    await this.counters.giveBack(ATTEMPTS_RULE, username.toLowerCase());
  }
}
