import { randomUUID } from 'node:crypto';
import { apiLogin, apiSignUp, PASSWORD, shown, whileRateLimited, type Person } from './browser';
import { EDGE } from './local-stack';

/** REST calls of API.md as one user, for what the test sets up rather than shows. */
/** Tokens live 60 s in this suite's stack: a REST user logs in again well before that. */
const TOKEN_REUSE_MS = 30_000;

export class RestUser {
  private token = '';
  private tokenAt = 0;

  private constructor(private readonly username: string) {}

  /** An account that exists already; its token is asked for at the first call. */
  static of(username: string): RestUser {
    return new RestUser(username);
  }

  static async signUp(username: string, displayName: string): Promise<RestUser> {
    await apiSignUp(username, displayName);
    return new RestUser(username);
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (Date.now() - this.tokenAt > TOKEN_REUSE_MS) {
      this.token = await apiLogin(this.username);
      this.tokenAt = Date.now();
    }
    const response = await whileRateLimited(() =>
      fetch(`${EDGE}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    expect(response.status).toBeLessThan(300);
    // 202 and 204 may carry no body.
    const text = await response.text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async userId(): Promise<string> {
    return (await this.call<{ id: string }>('GET', '/api/users/me')).id;
  }

  async createRoom(name: string, memberIds: string[]): Promise<string> {
    return (await this.call<{ id: string }>('POST', '/api/rooms', { name, memberIds })).id;
  }

  async say(roomId: string, ...bodies: string[]): Promise<void> {
    for (const body of bodies)
      await this.call('POST', `/api/rooms/${roomId}/messages`, { clientMsgId: randomUUID(), body });
  }
}

export async function logIn(person: Person, staySignedIn = true): Promise<void> {
  const { page } = person;
  await page.goto(`${EDGE}/?gatewayPort=${person.gatewayPort}`);
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(PASSWORD);
  if (!staySignedIn) await page.getByLabel('Stay signed in on this device').uncheck();
  await page.getByRole('button', { name: 'Log in' }).click();
  await shown(page.getByRole('button', { name: '+ New room' }));
}
