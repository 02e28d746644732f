import { isSession, isUser, type Guard, type Session, type User } from './validate';

/** A REST answer other than 2xx, with API.md's error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/**
 * Where the refresh token lives between page loads. sessionStorage, not localStorage or a
 * cookie: it is per tab and gone when the tab closes, never sent by the browser on its own
 * (so no CSRF), and a reload keeps the user logged in. The access token stays in memory
 * only (this object), so a token found on disk is never enough to act.
 */
const REFRESH_KEY = 'scale-chat.refreshToken';

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

/**
 * The public API of API.md, with the session: the access token is attached to every
 * call, renewed shortly before it expires, and renewed once more when a call answers 401
 * (then the call is repeated). Renewals are single-flight: a rotated refresh token that
 * was presented twice would revoke the whole login.
 */
export class ApiClient {
  private session: Session | null = null;
  private refreshing: Promise<boolean> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<Listener>();

  get user(): User | null {
    return this.session?.user ?? null;
  }

  get accessToken(): string | null {
    return this.session?.accessToken ?? null;
  }

  onSessionChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** After a reload: a new pair from the stored refresh token, if there is one. */
  async resume(): Promise<boolean> {
    if (sessionStorage.getItem(REFRESH_KEY) === null) return false;
    return this.refresh();
  }

  async signup(username: string, password: string, displayName: string): Promise<void> {
    const body: Record<string, string> = { username, password };
    if (displayName.trim() !== '') body['displayName'] = displayName.trim();
    await this.call('POST', '/api/auth/signup', body, isUser, false);
  }

  async login(username: string, password: string): Promise<void> {
    const session = await this.call(
      'POST',
      '/api/auth/login',
      { username, password },
      isSession,
      false,
    );
    this.setSession(session);
  }

  async logout(): Promise<void> {
    const refreshToken = this.session?.refreshToken;
    this.setSession(null);
    if (refreshToken !== undefined)
      await this.call('POST', '/api/auth/logout', { refreshToken }, undefined, false);
  }

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

  private async renew(): Promise<boolean> {
    const refreshToken = this.session?.refreshToken ?? sessionStorage.getItem(REFRESH_KEY);
    if (refreshToken === null) return false;
    try {
      this.setSession(
        await this.call('POST', '/api/auth/refresh', { refreshToken }, isSession, false),
      );
      return true;
    } catch (error) {
      // Only a refusal ends the login; a network failure leaves it to the next try.
      if (error instanceof ApiError && error.status !== 0) this.setSession(null);
      return false;
    }
  }

  private setSession(session: Session | null): void {
    clearTimeout(this.timer);
    this.session = session;
    if (session === null) {
      sessionStorage.removeItem(REFRESH_KEY);
    } else {
      sessionStorage.setItem(REFRESH_KEY, session.refreshToken);
      // Renewed at 80% of its life, so a socket reconnecting finds a valid token.
      this.timer = setTimeout(() => void this.refresh(), session.expiresIn * 800);
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
      return fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      }).catch((error: unknown) => {
        throw new ApiError(0, `Network error: ${String(error)}`);
      });
    };
    let response = await send();
    if (response.status === 401 && authenticated && (await this.refresh())) response = await send();
    const json = await readJson(response);
    if (!response.ok) throw new ApiError(response.status, errorMessage(json, response.status));
    if (guard === undefined) return json;
    if (!guard(json)) throw new ApiError(response.status, `Unexpected answer from ${path}`);
    return json;
  }
}
