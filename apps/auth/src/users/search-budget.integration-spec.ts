import { startTestService, type TestService } from '@scale-chat/platform/testing';
import { authService } from '../app.module';
import type { AuthConfig } from '../auth-config';
import { insertTestUser } from './test-users';

const BURST = 3;

describe("GET /api/users: each caller's search budget", () => {
  let auth: TestService<AuthConfig>;

  beforeAll(async () => {
    // One token a second: the test's few searches cannot earn back a spent one in time.
    auth = await startTestService(authService, {
      USER_SEARCH_RATE_BURST: String(BURST),
      USER_SEARCH_RATE_PER_SECOND: '1',
    });
    await insertTestUser(auth.app, 'searcher');
    await insertTestUser(auth.app, 'bystander');
  });

  afterAll(async () => {
    await auth?.close();
  });

  const tokenOf = async (username: string): Promise<string> => {
    const response = await fetch(`${auth.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'correct horse' }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  };

  const search = (token: string) =>
    fetch(`${auth.url}/api/users?query=s`, { headers: { authorization: `Bearer ${token}` } });

  it('answers 429 with Retry-After in the error shape past the burst, and only to that user', async () => {
    const searcher = await tokenOf('searcher');
    const bystander = await tokenOf('bystander');
    // Searches until one is refused. The burst goes through; past it, at most what refilled
    // (one a second) while a busy machine took its time.
    const started = Date.now();
    const statuses: number[] = [];
    let refused: Response | undefined;
    while (refused === undefined && statuses.length < 100) {
      const answer = await search(searcher);
      statuses.push(answer.status);
      if (answer.status === 429) refused = answer;
    }
    const refilled = Math.floor((Date.now() - started) / 1000) + 1;
    const through = statuses.indexOf(429);
    expect(statuses.slice(0, BURST)).toEqual(Array(BURST).fill(200));
    expect(through).toBeGreaterThanOrEqual(BURST);
    expect(through).toBeLessThanOrEqual(BURST + refilled);
    if (refused === undefined) throw new Error('never refused');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many requests; try again in ${retryAfter} s`,
    });

    const other = await search(bystander);
    expect(other.status).toBe(200);
    expect(await other.json()).toEqual({
      items: [expect.objectContaining({ username: 'searcher' })],
    });
  });
});
