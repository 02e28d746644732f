import {
  startAnotherInstance,
  startTestService,
  type TestService,
} from '@scale-chat/platform/testing';
import { DataSource } from 'typeorm';
import { authService } from '../app.module';
import type { AuthConfig } from '../auth-config';

/** Login attempts per account and client address and minute (LOGIN_PER_ACCOUNT_AND_CLIENT). */
const LOGINS_PER_ACCOUNT_AND_CLIENT = 10;

/**
 * Two auth instances on one database, as two pods behind the edge: a client whose
 * attempts alternate between them gets one budget, not one per instance.
 */
describe("auth's rate limits across instances", () => {
  let first: TestService<AuthConfig>;
  let second: TestService<AuthConfig>;

  beforeAll(async () => {
    first = await startTestService(authService);
    second = await startAnotherInstance(authService, first);
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  const login = (instance: TestService<AuthConfig>) =>
    fetch(`${instance.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'limited-across', password: 'not the password' }),
    });

  it('counts login attempts for one account and address on every instance together', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < LOGINS_PER_ACCOUNT_AND_CLIENT; attempt += 1) {
      statuses.push((await login(attempt % 2 === 0 ? first : second)).status);
    }
    expect(statuses).toEqual(Array(LOGINS_PER_ACCOUNT_AND_CLIENT).fill(401));

    // Each instance has seen only half of them, and both refuse the next one.
    for (const instance of [first, second]) {
      const refused = await login(instance);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await refused.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    }
  });

  it('keeps one counter per rule and key, not one per instance', async () => {
    const rows: { rule: string; hits: number }[] = await first.app
      .get(DataSource)
      .query(`SELECT "rule", "hits" FROM rate_limit_windows WHERE "rule" = 'login-account-client'`);
    expect(rows).toEqual([
      { rule: 'login-account-client', hits: LOGINS_PER_ACCOUNT_AND_CLIENT + 2 },
    ]);
  });
});
