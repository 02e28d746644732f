import { MemoryStorage } from './memory-storage.fixture';
import { ApiClient, REQUEST_TIMEOUT_MS } from './api';
import { RefreshTokenStore } from './token-storage';

const user = {
  id: 'me',
  username: 'me',
  displayName: 'Me',
  status: 'active',
  createdAt: '2026-12-06T00:00:00.000Z',
};

/** A token pair as POST /api/auth/login and /refresh answer, numbered. */
const pair = (n: number) => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  tokenType: 'Bearer',
  expiresIn: 900,
  user,
});

describe('ApiClient.currentAccessToken (the token a socket handshake hands over)', () => {
  let paths: string[];
  let client: ApiClient;

  beforeAll(() => {
    Object.assign(globalThis, { window: { addEventListener: () => undefined } });
  });

  beforeEach(async () => {
    jest.useFakeTimers({ now: Date.parse('2026-12-06T12:00:00Z') });
    paths = [];
    let issued = 0;
    globalThis.fetch = jest.fn((path: string) => {
      paths.push(path);
      issued += 1;
      return Promise.resolve(new Response(JSON.stringify(pair(issued)), { status: 200 }));
    }) as unknown as typeof fetch;
    client = new ApiClient(new RefreshTokenStore(new MemoryStorage(), new MemoryStorage()));
    await client.login('me', 'secret-password', true);
    paths.length = 0;
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('hands over the token it has while it is well within its life', async () => {
    expect(await client.currentAccessToken(Date.now() + 800_000)).toBe('access-1');
    expect(paths).toEqual([]);
  });

  it('renews first a token that has expired meanwhile (a page that slept past its timer)', async () => {
    expect(await client.currentAccessToken(Date.now() + 901_000)).toBe('access-2');
    expect(paths).toEqual(['/api/auth/refresh']);
  });

  it('renews first a token about to expire', async () => {
    expect(await client.currentAccessToken(Date.now() + 890_000)).toBe('access-2');
    expect(paths).toEqual(['/api/auth/refresh']);
  });

  it('has no token to hand over once logged out', async () => {
    globalThis.fetch = jest.fn(() =>
      Promise.resolve(new Response(null, { status: 204 })),
    ) as unknown as typeof fetch;
    await client.logout();
    expect(await client.currentAccessToken(Date.now() + 901_000)).toBeNull();
    // Logged out here: the login screen has nothing to explain.
    expect(client.ended).toBeNull();
  });

  it('says the login ended elsewhere when its renewal is refused (a logout or deletion on another device)', async () => {
    globalThis.fetch = jest.fn(() =>
      Promise.resolve(
        new Response(JSON.stringify({ statusCode: 401, message: 'The login has ended' }), {
          status: 401,
        }),
      ),
    ) as unknown as typeof fetch;
    expect(await client.refresh()).toBe(false);
    expect(client.user).toBeNull();
    expect(client.ended).toBe('elsewhere');
  });

  it('ends a renewal that gets no answer as a network error, keeps the login and renews again', async () => {
    globalThis.fetch = jest.fn(
      (_path: string, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
        }),
    ) as unknown as typeof fetch;
    const renewal = client.refresh();
    await jest.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS);
    expect(await renewal).toBe(false);
    expect(client.user).not.toBeNull();
    // Not held: the next renewal goes out.
    globalThis.fetch = jest.fn(() =>
      Promise.resolve(new Response(JSON.stringify(pair(9)), { status: 200 })),
    ) as unknown as typeof fetch;
    expect(await client.refresh()).toBe(true);
  });

  it("says a call's 401 is a passing failure, not the end of the session, when the renewal fails for a passing reason", async () => {
    globalThis.fetch = jest.fn((path: string) =>
      Promise.resolve(
        path === '/api/auth/refresh'
          ? new Response(JSON.stringify({ statusCode: 503, message: 'away' }), { status: 503 })
          : new Response(JSON.stringify({ statusCode: 401, message: 'expired' }), { status: 401 }),
      ),
    ) as unknown as typeof fetch;
    await expect(client.get('/api/rooms')).rejects.toMatchObject({ status: 0 });
    expect(client.user).not.toBeNull();
  });
});
