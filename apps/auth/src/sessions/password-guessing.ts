import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, SharedRateLimits, TooManyRequestsException } from '@scale-chat/platform';
import type { AuthConfig } from '../auth-config';
import { UsersRepository } from '../users/users.repository';
import { SessionsRepository } from './sessions.repository';

/** The counter of wrong passwords per account (`rate_limit_windows`). */
const FAILURES_RULE = 'login-failures-account';
const FAILURES_WINDOW_MS = 15 * 60_000;

/** An id no user has (the nil UUID), looked up for a username no one has. */
const NO_USER_ID = '00000000-0000-0000-0000-000000000000';

/** A client network (`clientNetwork`) as a login keeps it: its SHA-256, not the address. */
export const clientNetworkHash = (network: string): string =>
  createHash('sha256').update(network).digest('base64url');

/**
 * Password guessing spread over many addresses, which the limits per address do not see.
 * Wrong passwords count per account as typed (lower-cased, whether it exists or not, so
 * the answers name no usernames), across every instance. Past
 * `LOGIN_FAILURES_PER_ACCOUNT_MAX` in 15 minutes the account is tried only from networks
 * it has a login from; anyone else gets 429 until the window ends, before a password is
 * hashed. So strangers never lock the owner out where the owner logs in (OWASP's advice
 * against lockout); the owner on a network new to the account waits with the guessers.
 */
@Injectable()
export class PasswordGuessing {
  private readonly failuresMax: number;

  constructor(
    @Inject(SERVICE_CONFIG) config: AuthConfig,
    private readonly counters: SharedRateLimits,
    private readonly users: UsersRepository,
    private readonly sessions: SessionsRepository,
  ) {
    this.failuresMax = config.extra.LOGIN_FAILURES_PER_ACCOUNT_MAX;
  }

  /** 429 when `username` had its wrong passwords and `network` is not one it logs in from. */
  async refuseUnlessKnown(username: string, network: string): Promise<void> {
    const decision = await this.counters.usedUp(
      FAILURES_RULE,
      username.toLowerCase(),
      this.failuresMax,
    );
    if (decision.allowed) return;
    const user = await this.users.findByUsername(username);
    // The same two lookups for a username no one has: the time of a 429 names no accounts.
    const known = await this.sessions.hasLoggedInFrom(
      user?.id ?? NO_USER_ID,
      clientNetworkHash(network),
    );
    if (user !== null && known) return;
    throw new TooManyRequestsException(decision.retryAfterSeconds);
  }

  /** Counts a wrong password for `username`. */
  async failed(username: string): Promise<void> {
    await this.counters.take(
      FAILURES_RULE,
      username.toLowerCase(),
      this.failuresMax,
      FAILURES_WINDOW_MS,
    );
  }
}
