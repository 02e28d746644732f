/** A user as API.md shows it: `active`, or `pending` while its signup saga runs. */
export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly status: 'pending' | 'active';
  readonly createdAt: string;
}

/** What login and refresh answer (API.md). */
export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  readonly expiresIn: number;
  readonly user: UserView;
}
