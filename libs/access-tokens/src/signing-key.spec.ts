import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { hasExpired, readAccessTokenClaims, InvalidAccessTokenError } from './claims';
import { generateSigningKey, signingKeyFromPem, SigningKeyError } from './signing-key';
import { AccessTokenSigner } from './token-signer';

const part = (token: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

describe('signing keys', () => {
  it('read back from PEM with the same kid, an RFC 7638 thumbprint', () => {
    const key = generateSigningKey();
    expect(signingKeyFromPem(key.privateKeyPem).kid).toBe(key.kid);
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key.publicJwk).not.toHaveProperty('d');
  });

  it('refuse a key of another kind (the Ed25519 keys of before) with a clear error', () => {
    const ed25519 = generateKeyPairSync('ed25519').privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    expect(() => signingKeyFromPem(ed25519.toString())).toThrow(SigningKeyError);
    expect(() => signingKeyFromPem(ed25519.toString())).toThrow(/EC P-256/);
    expect(() => signingKeyFromPem('not a key')).toThrow(SigningKeyError);
  });
});

describe('AccessTokenSigner', () => {
  it('signs ES256 with kid, iss, aud, sub, exp, iat and jti', async () => {
    const key = generateSigningKey();
    const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };
    const now = new Date('2026-01-01T00:00:00Z');
    const token = await AccessTokenSigner.forKey(key, { ttlSeconds: 60 }).sign(subject, now);
    expect(part(token, 0)).toEqual({ alg: 'ES256', kid: key.kid, typ: 'JWT' });
    const payload = part(token, 1);
    expect(payload).toMatchObject({
      sub: subject.userId,
      username: 'ann',
      fid: subject.familyId,
      iss: 'scale-chat-auth',
      aud: 'scale-chat',
      iat: now.getTime() / 1000,
      exp: now.getTime() / 1000 + 60,
    });
    expect(readAccessTokenClaims(payload)).toMatchObject({
      userId: subject.userId,
      familyId: subject.familyId,
    });
  });
});

describe('access-token claims', () => {
  const claims = {
    sub: randomUUID(),
    username: 'ann',
    fid: randomUUID(),
    jti: 'j',
    iat: 1,
    exp: 100,
  };

  it.each(['exp', 'iat', 'sub', 'username', 'fid', 'jti'])('refuses a token without %s', (name) => {
    const { [name as keyof typeof claims]: _left, ...rest } = claims;
    expect(() => readAccessTokenClaims(rest)).toThrow(InvalidAccessTokenError);
  });

  it('reads the admin role from `adm: true` only; any other `adm` refuses the token', () => {
    expect(readAccessTokenClaims(claims).admin).toBe(false);
    expect(readAccessTokenClaims({ ...claims, adm: true }).admin).toBe(true);
    for (const adm of [false, 'true', 1, null])
      expect(() => readAccessTokenClaims({ ...claims, adm })).toThrow(InvalidAccessTokenError);
  });

  it('counts a token expired only once the leeway has passed too', () => {
    const token = readAccessTokenClaims(claims);
    expect(hasExpired(token, 100_000)).toBe(false);
    expect(hasExpired(token, 104_999)).toBe(false);
    expect(hasExpired(token, 105_000)).toBe(true);
  });
});
