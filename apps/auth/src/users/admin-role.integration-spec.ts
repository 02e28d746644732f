import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestService, type TestService } from '@scale-chat/platform/testing';
import { DataSource } from 'typeorm';
import { authService } from '../app.module';
import type { AuthConfig } from '../auth-config';
import { insertTestUser } from './test-users';
import { User } from './user.entity';
import { UsersRepository } from './users.repository';

const PASSWORD = 'correct horse battery';

/** The claims of an access token, read without verifying (auth just issued it). */
const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

/** The admin role belongs to an account (its id), given by `auth-admin` or the local bootstrap. */
describe('auth: the admin role of an account', () => {
  let auth: TestService<AuthConfig>;
  let production: TestService<AuthConfig>;
  const keyDirectory = mkdtempSync(join(tmpdir(), 'auth-admin-role-'));

  const signup = async (service: TestService<AuthConfig>, username: string) => {
    const response = await fetch(`${service.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    // No orchestrator runs here: the signup stays pending and answers 202.
    expect(response.status).toBe(202);
    const row = await service.app
      .get(DataSource)
      .getRepository(User)
      .findOneByOrFail({ username: username.toLowerCase() });
    return row.role;
  };

  const loginClaims = async (username: string) => {
    const response = await fetch(`${auth.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: PASSWORD }),
    });
    expect(response.status).toBe(200);
    return claimsOf(((await response.json()) as { accessToken: string }).accessToken);
  };

  beforeAll(async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = join(keyDirectory, 'signing-key.pem');
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const settings = { ADMIN_USERNAMES: 'Boss', SIGNUP_WAIT_MS: '0' };
    [auth, production] = await Promise.all([
      startTestService(authService, settings),
      startTestService(authService, {
        ...settings,
        NODE_ENV: 'production',
        AUTH_SIGNING_KEY_FILE: keyFile,
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([auth?.close(), production?.close()]);
    rmSync(keyDirectory, { recursive: true, force: true });
  });

  it('outside production, a name in ADMIN_USERNAMES signs up as admin (the bootstrap), others as members', async () => {
    expect(await signup(auth, 'boss')).toBe('admin');
    expect(await signup(auth, 'bossy')).toBe('member');
  });

  it('in production, no name signs up as admin, listed or not', async () => {
    expect(await signup(production, 'boss')).toBe('member');
  });

  it('grants and revokes the role by account; the next access token carries it (adm) or not', async () => {
    await insertTestUser(auth.app, 'cara', { password: PASSWORD });
    expect(await loginClaims('cara')).not.toHaveProperty('adm');

    const users = auth.app.get(UsersRepository);
    const granted = await users.setRole('CARA', 'admin');
    expect(granted).toMatchObject({ username: 'cara', role: 'admin' });
    // With its sign-up time, which the admin tool prints for the operator to check.
    const cara = await auth.app.get(DataSource).getRepository(User).findOneByOrFail({
      username: 'cara',
    });
    expect(granted?.createdAt).toEqual(cara.createdAt);
    expect(await loginClaims('cara')).toMatchObject({ adm: true, sub: granted?.userId });

    expect(await users.setRole('cara', 'member')).toMatchObject({ role: 'member' });
    expect(await loginClaims('cara')).not.toHaveProperty('adm');
  });

  it('gives the role to no account but an active one of that name', async () => {
    const users = auth.app.get(UsersRepository);
    expect(await users.setRole('nobody-here', 'admin')).toBeUndefined();
    // `bossy` is pending (its signup saga never ran here).
    expect(await users.setRole('bossy', 'admin')).toBeUndefined();
  });
});
