import { LOCAL_EDGE_SOURCE_ADDRESS } from '@scale-chat/contracts';
import { requestFrom, startTestService, type TestService } from '@scale-chat/platform/testing';
import { authService } from './app.module';
import type { AuthConfig } from './auth-config';

/** Login attempts per client address and minute (sessions.controller.ts, LOGIN_PER_CLIENT). */
const LOGINS_PER_CLIENT = 60;
const SIGNUPS_PER_CLIENT = 3;

/**
 * The per-address limits hold against a client on auth's own port that names another
 * address in X-Forwarded-For for each request: only the edge's address is believed. The
 * bodies are empty (400 after the limit is taken), so no account or password is involved.
 */
describe("auth's per-address limits and X-Forwarded-For", () => {
  let auth: TestService<AuthConfig>;

  const post = (path: string, forwardedFor: string, localAddress?: string) =>
    requestFrom(`${auth.url}${path}`, {
      method: 'POST',
      localAddress,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: '{}',
    });

  beforeAll(async () => {
    auth = await startTestService(authService, {
      SIGNUP_RATE_LIMIT_PER_MINUTE: String(SIGNUPS_PER_CLIENT),
    });
  });

  afterAll(async () => {
    await auth?.close();
  });

  it.each([
    ['/api/auth/signup', SIGNUPS_PER_CLIENT],
    ['/api/auth/login', LOGINS_PER_CLIENT],
  ])(
    '%s: a direct client counts as itself whatever X-Forwarded-For it sends; the edge is believed',
    async (path, limit) => {
      const statuses: number[] = [];
      for (let index = 0; index <= limit; index += 1) {
        statuses.push((await post(path, `10.0.${index >> 8}.${index & 255}`)).status);
      }
      expect(statuses.slice(0, limit).every((status) => status === 400)).toBe(true);
      const refused = await post(path, '10.9.9.9');
      expect(statuses.at(-1)).toBe(429);
      expect(refused.status).toBe(429);
      expect(JSON.parse(refused.body)).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
      });
      // Through the edge, each client is its own: one the direct client never used is fresh.
      expect((await post(path, '10.8.8.8', LOCAL_EDGE_SOURCE_ADDRESS)).status).toBe(400);
    },
  );
});
