import { createPublicKey, randomUUID, verify } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessTokenSigner, generateSigningKey } from '@scale-chat/access-tokens';
import {
  forgedAccessTokens,
  startTestService,
  type TestService,
} from '@scale-chat/platform/testing';
import { DataSource } from 'typeorm';
import { authService } from '../app.module';
import type { AuthConfig } from '../auth-config';
import { AuthSagaSteps } from '../sagas/auth-saga-steps';
import { insertTestUser } from '../users/test-users';

const part = (token: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

/**
 * Issue 19 on auth: `@nestjs/jwt` signs ES256 with the current key, the JWKS publishes the
 * current and previous keys, and auth's own routes verify through the passport strategy.
 */
describe('auth access tokens: signing, the JWKS, rotation and forgeries', () => {
  const current = generateSigningKey();
  const previous = generateSigningKey();
  const removed = generateSigningKey();
  let directory: string;
  let auth: TestService<AuthConfig>;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'auth-keys-'));
    const file = (name: string, pem: string) =>
      writeFile(join(directory, name), pem, { mode: 0o600 }).then(() => join(directory, name));
    auth = await startTestService(authService, {
      AUTH_SIGNING_KEY_FILE: await file('current.pem', current.privateKeyPem),
      AUTH_PREVIOUS_SIGNING_KEY_FILES: await file('previous.pem', previous.privateKeyPem),
    });
  });

  afterAll(async () => {
    await auth?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** A new active user, logged in through POST /api/auth/login. */
  const loggedIn = async () => {
    const username = `u${randomUUID().slice(0, 8)}`;
    await insertTestUser(auth.app, username);
    const response = await fetch(`${auth.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: 'correct horse' }),
    });
    expect(response.status).toBe(200);
    const pair = (await response.json()) as { accessToken: string; refreshToken: string };
    const claims = part(pair.accessToken, 1);
    const subject = { userId: String(claims['sub']), username, familyId: String(claims['fid']) };
    return { ...pair, subject };
  };
  const me = async (token: string): Promise<number> =>
    (await fetch(`${auth.url}/api/users/me`, { headers: { authorization: `Bearer ${token}` } }))
      .status;

  it('publishes the current and previous public keys as ES256 P-256 JWKs, and nothing private', async () => {
    const response = await fetch(`${auth.url}/api/auth/jwks`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys.map((key) => key['kid'])).toEqual([current.kid, previous.kid]);
    for (const key of body.keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('signs with the current key: ES256, its kid, verified by the published JWK alone', async () => {
    const { accessToken } = await loggedIn();
    expect(part(accessToken, 0)).toEqual({ alg: 'ES256', kid: current.kid, typ: 'JWT' });
    const [header, payload, signature] = accessToken.split('.');
    const published = (
      (await (await fetch(`${auth.url}/api/auth/jwks`)).json()) as { keys: object[] }
    ).keys[0];
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      {
        key: createPublicKey({ key: published as never, format: 'jwk' }),
        dsaEncoding: 'ieee-p1363',
      },
      Buffer.from(signature ?? '', 'base64url'),
    );
    expect(valid).toBe(true);
    expect(await me(accessToken)).toBe(200);
  });

  it("accepts the previous key's tokens until they expire, and refuses a removed key's", async () => {
    const { subject } = await loggedIn();
    expect(await me(await AccessTokenSigner.forKey(previous).sign(subject))).toBe(200);
    const anHourAgo = new Date(Date.now() - 3_600_000);
    expect(await me(await AccessTokenSigner.forKey(previous).sign(subject, anHourAgo))).toBe(401);
    expect(await me(await AccessTokenSigner.forKey(removed).sign(subject))).toBe(401);
  });

  it('refuses every forged token on its own routes (for a user whose login is valid)', async () => {
    const { subject } = await loggedIn();
    expect(await me(await AccessTokenSigner.forKey(current).sign(subject))).toBe(200);
    const answers: [string, number][] = [];
    for (const [name, token] of forgedAccessTokens(current, subject))
      answers.push([name, await me(token)]);
    expect(answers).toEqual(answers.map(([name]) => [name, 401]));
  });

  it('refuses the token of a revoked login (logout) and of a deleted user', async () => {
    const loggedOut = await loggedIn();
    expect(await me(loggedOut.accessToken)).toBe(200);
    const logout = await fetch(`${auth.url}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: loggedOut.refreshToken }),
    });
    expect(logout.status).toBe(204);
    expect(await me(loggedOut.accessToken)).toBe(401);

    const deleted = await loggedIn();
    expect(await me(deleted.accessToken)).toBe(200);
    // The deletion saga's last step on auth.
    await auth.app
      .get(DataSource)
      .transaction((manager) =>
        auth.app.get(AuthSagaSteps).deleteUser(deleted.subject.userId, manager),
      );
    expect(await me(deleted.accessToken)).toBe(401);
  });

  it('refreshes with the opaque refresh token, whichever key signed the access token', async () => {
    const { refreshToken } = await loggedIn();
    const response = await fetch(`${auth.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(response.status).toBe(200);
    const { accessToken } = (await response.json()) as { accessToken: string };
    expect(part(accessToken, 0)['kid']).toBe(current.kid);
  });
});
