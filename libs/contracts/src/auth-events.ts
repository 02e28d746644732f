/** `login.revoked` on `auth.logins`: sockets of this login must go. */
export interface LoginRevoked {
  readonly userId: string;
  readonly familyId: string;
  readonly reason: 'logout' | 'reuse' | 'account-deleted';
}

export const LOGIN_REVOKED = 'login.revoked';
