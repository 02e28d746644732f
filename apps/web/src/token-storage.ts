/**
 * Where the refresh token lives between page loads.
 *
 * API.md hands the refresh token out in the JSON body (not as an HttpOnly cookie), so the
 * page has to keep it in storage that script can read. The trade-off chosen:
 *
 * - "Stay signed in" (the default on the login form): localStorage. The login survives a
 *   new tab and a browser restart, which is what people expect of a chat. The cost: a
 *   script injected into the page (XSS) could read the token. What limits that: the edge's
 *   Content-Security-Policy allows only the app's own scripts (`default-src 'self'`, no
 *   inline script), React never renders a message as HTML, refresh tokens rotate on every
 *   use and a stolen one presented after the real one revokes the whole login (API.md),
 *   and "Log out" revokes it on the server.
 * - Not ticked (a shared computer): sessionStorage, one tab's, gone when it closes. A
 *   duplicated tab starts with a copy of it, the same login: whichever of the two renews
 *   first rotates the token, and the other presenting the old one would look like theft
 *   and end the login everywhere. So a tab that rotates its per-tab token tells the others
 *   (a BroadcastChannel of this origin); one holding the token it replaced takes the new
 *   one. Tabs of other logins hold other tokens and ignore it.
 *
 * The access token never touches storage: it lives in memory only (api.ts).
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export const REFRESH_KEY = 'scale-chat.refreshToken';

/** What a tab says when it rotates its per-tab token, to a duplicate of it. */
interface Rotated {
  readonly previous: string;
  readonly next: string;
}

/** What the store uses of a BroadcastChannel. */
export interface TokenChannel {
  postMessage(message: Rotated): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const isRotated = (data: unknown): data is Rotated =>
  typeof data === 'object' &&
  data !== null &&
  typeof (data as Rotated).previous === 'string' &&
  typeof (data as Rotated).next === 'string';

export class RefreshTokenStore {
  constructor(
    private readonly persistent: KeyValueStore,
    private readonly perTab: KeyValueStore,
    private readonly channel?: TokenChannel,
  ) {
    channel?.addEventListener('message', ({ data }) => {
      if (isRotated(data) && this.perTab.getItem(REFRESH_KEY) === data.previous)
        this.perTab.setItem(REFRESH_KEY, data.next);
    });
  }

  /** The newest token: other tabs of a persistent login rotate it in localStorage. */
  read(): string | null {
    return this.perTab.getItem(REFRESH_KEY) ?? this.persistent.getItem(REFRESH_KEY);
  }

  /** Whether the current login was made to stay signed in. */
  isPersistent(): boolean {
    return (
      this.perTab.getItem(REFRESH_KEY) === null && this.persistent.getItem(REFRESH_KEY) !== null
    );
  }

  /**
   * A login that stays signed in replaces this tab's own token, if it had one; a per-tab
   * one leaves localStorage alone: a login there is other tabs'.
   */
  save(token: string, persistent: boolean): void {
    if (persistent) {
      this.persistent.setItem(REFRESH_KEY, token);
      if (this.perTab.getItem(REFRESH_KEY) !== null) this.perTab.removeItem(REFRESH_KEY);
      return;
    }
    const previous = this.perTab.getItem(REFRESH_KEY);
    this.perTab.setItem(REFRESH_KEY, token);
    if (previous !== null && previous !== token)
      this.channel?.postMessage({ previous, next: token });
  }

  /** Forgets this tab's login: a per-tab one leaves the other tabs' logins alone. */
  clear(persistent: boolean): void {
    if (persistent) this.persistent.removeItem(REFRESH_KEY);
    this.perTab.removeItem(REFRESH_KEY);
  }
}

/**
 * Runs `renew` while no other tab of this browser renews: two tabs presenting the same
 * rotated refresh token would look like theft and end the login (API.md). Web Locks exist
 * in secure contexts (https, or 127.0.0.1 in development); elsewhere the tabs are not
 * coordinated and the one that loses the race is logged out.
 */
export function acrossTabs<T>(renew: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
  if (locks === undefined) return renew();
  // The lock's promise resolves with what renew's promise resolves with.
  return locks.request('scale-chat.refresh', renew).then((value) => value);
}
