import { defineTopic } from './topics';

/** Logins of auth: `login.revoked` when a login's tokens stop working (logout, theft, deletion). */
export const AUTH_LOGINS_TOPIC = defineTopic({ name: 'auth.logins', key: 'userId', partitions: 3 });

/**
 * Users of auth, keyed by user id: `user.registered` when a signup's saga activates the
 * user, `user.deleted` when an account is gone. Kept for good: the log-consumer rebuilds
 * its figures from the start.
 */
export const AUTH_USERS_TOPIC = defineTopic({
  name: 'auth.users',
  key: 'userId',
  partitions: 3,
  config: { 'retention.ms': '-1' },
});

/** `login.revoked` on `auth.logins`: sockets of this login must go. */
export interface LoginRevoked {
  readonly userId: string;
  readonly familyId: string;
  readonly reason: 'logout' | 'reuse' | 'account-deleted';
}

export const LOGIN_REVOKED = 'login.revoked';

export const USER_EVENT_TYPES = {
  registered: 'user.registered',
  deleted: 'user.deleted',
} as const;

/** `user.registered`: the user is active (its signup saga finished). */
export interface UserRegistered {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  /** When the user signed up (the pending user was stored). */
  readonly registeredAt: string;
}

/** `user.deleted`: the account and its logins are gone. */
export interface UserDeleted {
  readonly userId: string;
}
