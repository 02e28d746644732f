import { randomUUID } from 'node:crypto';
import { AccessTokenSigner, AccessTokenVerifier } from '@scale-chat/access-tokens';
import { startTestService, type TestService } from '@scale-chat/platform/testing';
import { authService } from '../app.module';
import type { AuthConfig } from '../auth-config';

describe('GET /api/auth/jwks', () => {
  let auth: TestService<AuthConfig>;

  beforeAll(async () => {
    auth = await startTestService(authService);
  });

  afterAll(async () => {
    await auth?.close();
  });

  it('publishes the public key that verifies the tokens auth signs, and nothing private', async () => {
    const response = await fetch(`${auth.url}/api/auth/jwks`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(1);
    expect(body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(body.keys[0]).not.toHaveProperty('d');

    const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };
    const token = await auth.app.get(AccessTokenSigner).sign(subject);
    const verified = await AccessTokenVerifier.fromJwksUrl(`${auth.url}/api/auth/jwks`).verify(
      token,
    );
    expect(verified).toMatchObject({ userId: subject.userId, username: 'ann' });
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({
      alg: 'EdDSA',
      kid: body.keys[0]?.['kid'],
      typ: 'JWT',
    });
  });
});
