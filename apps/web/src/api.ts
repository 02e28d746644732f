import { ApiError } from './api-error';
import { retryAfterSeconds } from './retry-after';
import { acrossTabs, REFRESH_KEY, RefreshTokenStore } from './token-storage';
import { isSession, isUser, type Guard, type Session, type User } from './validate';

function errorMessage(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message: unknown = body.message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('; ');
  }
  return `HTTP ${status}`;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // An answer that is not JSON (an HTML error page from a proxy) has no message to show.
    return undefined;
  }
}

type Listener = (user: User | null) => void;

/** An access token this close to its expiry is renewed before a handshake uses it. */
const RENEW_BEFORE_EXPIRY_MS = 15_000;

/**
 * How long a request may go unanswered: past the longest the API makes one wait (a signup
 * or a room waits for its saga, 60 s at most: SIGNUP_WAIT_MS, ROOM_SAGA_WAIT_MS).
 */
export const REQUEST_TIMEOUT_MS = 70_000;

/** What a page load found: a login renewed, none stored, or one the server could not check. */
export type Resumed = 'resumed' | 'none' | 'unreachable';

/** A refusal that ends the login; a network failure, a rate limit or a 5xx leaves it. */
const endsLogin = (error: unknown) =>
  error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429;

/**
 * The public API of API.md, with the session: the access token is attached to every
 * call, renewed shortly before it expires, and renewed once more when a call answers 401
 * (then the call is repeated). Renewals are single-flight in the tab and take turns across
 * the tabs of a login that stays signed in (token-storage.ts, also for where tokens live):
 * a rotated refresh token that was presented twice would revoke the whole login.
 */
export class ApiClient {
  private session: Session | null = null;
  private persistent = true;
  private refreshing: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the access token is due for renewal: a little before it expires. */
  private renewBy = 0;
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly tokens = new RefreshTokenStore(
      localStorage,
      sessionStorage,
      typeof BroadcastChannel === 'undefined'
        ? undefined
        : new BroadcastChannel('scale-chat.refresh-tokens'),
    ),
  ) {
    // Logged out in another tab (the token removed from localStorage): logged out here too.
    window.addEventListener('storage', (event) => {
      if (event.storageArea !== localStorage || this.session === null || !this.persistent) return;
      if ((event.key === REFRESH_KEY || event.key === null) && this.tokens.read() === null)
        this.endSession('elsewhere');
    });
  }

  get user(): User | null {
    return this.session?.user ?? null;
  }

  get accessToken(): string | null {
    return this.session?.accessToken ?? null;
  }

  /**
   * The access token, renewed first when it has expired or is about to: a socket that
   * reconnects after the page slept past the renewal timer (or after the server closed
   * it at the token's expiry) hands its handshake a token that passes, and so gets its
   * session back (connection-state recovery) instead of a refusal.
   */
  async currentAccessToken(now: number = Date.now()): Promise<string | null> {
    if (this.session !== null && now >= this.renewBy) await this.refresh();
    return this.accessToken;
  }

  onSessionChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a page load: a new pair from the stored refresh token, if there is one. */
  async resume(): Promise<Resumed> {
    if (this.tokens.read() === null) return 'none';
    this.persistent = this.tokens.isPersistent();
    if (await this.refresh()) return 'resumed';
    return this.tokens.read() === null ? 'none' : 'unreachable';
  }

  async signup(username: string, password: string, displayName: string): Promise<void> {
    const body: Record<string, string> = { username, password };
    if (displayName.trim() !== '') body['displayName'] = displayName.trim();
    await this.call('POST', '/api/auth/signup', body, isUser, false);
  }

  /** `persistent`: stay signed in across tabs and restarts (token-storage.ts). */
  async login(username: string, password: string, persistent: boolean): Promise<void> {
    const session = await this.call(
      'POST',
      '/api/auth/login',
      { username, password },
      isSession,
      false,
    );
    this.persistent = persistent;
    this.ended = null;
    this.setSession(session);
  }

  async logout(): Promise<void> {
    // From storage: another tab may have rotated it since this one last renewed.
    const refreshToken = this.tokens.read() ?? this.session?.refreshToken;
    this.endSession(null);
    if (refreshToken !== undefined)
      await this.call('POST', '/api/auth/logout', { refreshToken }, undefined, false);
  }

  /**
   * Asks for this account to be deleted (API.md: 202, the deletion saga runs) and ends
   * the session here: every login of the account stops working as the saga runs.
   */
  async deleteAccount(): Promise<void> {
    await this.call('DELETE', '/api/users/me', undefined, undefined, true);
    this.endSession('deleted');
  }

  /**
   * Why the last session ended, where the login screen has something to say: this tab
   * deleted the account, or the login ended elsewhere (a logout in another tab or on
   * another device, the account deleted there, the login refused or expired); null for a
   * logout here.
   */
  ended: 'deleted' | 'elsewhere' | null = null;

  /** Renews the pair; false (and logged out) when the login is no longer valid. */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.renew().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  get<T>(path: string, guard: Guard<T>): Promise<T>;
  get(path: string): Promise<unknown>;
  get<T>(path: string, guard?: Guard<T>): Promise<T | unknown> {
    return guard === undefined
      ? this.call('GET', path, undefined, undefined, true)
      : this.call('GET', path, undefined, guard, true);
  }

  post<T>(path: string, body: unknown, guard: Guard<T>): Promise<T>;
  post(path: string, body: unknown): Promise<unknown>;
  post<T>(path: string, body: unknown, guard?: Guard<T>): Promise<T | unknown> {
    return guard === undefined
      ? this.call('POST', path, body, undefined, true)
      : this.call('POST', path, body, guard, true);
  }

  async delete(path: string): Promise<void> {
    await this.call('DELETE', path, undefined, undefined, true);
  }

  private renew(): Promise<boolean> {
    return acrossTabs(async () => {
      // From storage, not memory: another tab may have rotated it since.
      const refreshToken = this.tokens.read();
      if (refreshToken === null) {
        if (this.session !== null) this.endSession('elsewhere');
        return false;
      }
      try {
        this.setSession(
          await this.call('POST', '/api/auth/refresh', { refreshToken }, isSession, false),
        );
        return true;
      } catch (error) {
        if (endsLogin(error)) this.endSession(this.session === null ? null : 'elsewhere');
        return false;
      }
    });
  }

  private endSession(why: ApiClient['ended']): void {
    this.ended = why;
    this.setSession(null);
  }

  private setSession(session: Session | null): void {
    clearTimeout(this.timer);
    this.session = session;
    if (session === null) {
      this.tokens.clear(this.persistent);
    } else {
      this.tokens.save(session.refreshToken, this.persistent);
      // Renewed at 80% of its life, so a socket reconnecting finds a valid token.
      this.timer = setTimeout(() => void this.refresh(), session.expiresIn * 800);
      this.renewBy = Date.now() + session.expiresIn * 1000 - RENEW_BEFORE_EXPIRY_MS;
    }
    for (const listener of this.listeners) listener(session?.user ?? null);
  }

  private call<T>(
    method: string,
    path: string,
    body: unknown,
    guard: Guard<T>,
    authenticated: boolean,
  ): Promise<T>;
  private call(
    method: string,
    path: string,
    body: unknown,
    guard: undefined,
    authenticated: boolean,
  ): Promise<unknown>;
  private async call<T>(
    method: string,
    path: string,
    body: unknown,
    guard: Guard<T> | undefined,
    authenticated: boolean,
  ): Promise<T | unknown> {
    const send = (): Promise<Response> => {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (authenticated && this.session !== null)
        headers['authorization'] = `Bearer ${this.session.accessToken}`;
      // A request that never answers (a connection that went quiet) ends as a network
      // error: a renewal hanging so would hold every tab's renewals (the lock) for good.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
      return fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: abort.signal,
      })
        .catch((error: unknown) => {
          throw new ApiError(
            0,
            abort.signal.aborted
              ? `Network error: no answer in ${REQUEST_TIMEOUT_MS / 1000} s`
              : `Network error: ${String(error)}`,
          );
        })
        .finally(() => clearTimeout(timer));
    };
    let response = await send();
    if (response.status === 401 && authenticated) {
      if (await this.refresh()) response = await send();
      // Still logged in: the renewal failed for a passing reason (auth away, a limit, the
      // network), which is what to say, not that the session ended.
      else if (this.session !== null)
        throw new ApiError(0, 'Network error: the login could not be renewed just now');
    }
    const json = await readJson(response);
    if (!response.ok)
      throw new ApiError(
        response.status,
        errorMessage(json, response.status),
        retryAfterSeconds(response.headers.get('retry-after')),
      );
    if (guard === undefined) return json;
    if (!guard(json)) throw new ApiError(response.status, `Unexpected answer from ${path}`);
    return json;
  }
}
