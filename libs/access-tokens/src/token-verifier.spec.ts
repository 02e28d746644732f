import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createServer } from 'node:net';
import { AccessTokenCheckUnavailableError, InvalidAccessTokenError } from './claims';
import {
  generateSigningKey,
  signingKeyFromPem,
  signingKeyToPem,
  type SigningKey,
} from './signing-key';
import { AccessTokenSigner } from './token-signer';
import { AccessTokenVerifier } from './token-verifier';

const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('AccessTokenVerifier', () => {
  let key: SigningKey;
  let verifier: AccessTokenVerifier;
  const revoked = new Set<string>();

  beforeAll(async () => {
    key = await generateSigningKey();
    verifier = AccessTokenVerifier.fromKeySet(
      { keys: [key.publicJwk] },
      { isFamilyRevoked: (familyId) => revoked.has(familyId) },
    );
  });

  const rejects = async (token: string, reason: string | RegExp) => {
    const failure = verifier.verify(token);
    await expect(failure).rejects.toBeInstanceOf(InvalidAccessTokenError);
    await expect(failure).rejects.toHaveProperty('reason', expect.stringMatching(reason));
  };

  it('accepts a token of its signer and says who it is for', async () => {
    const token = await new AccessTokenSigner(key).sign(subject);
    await expect(verifier.verify(token)).resolves.toMatchObject({
      userId: subject.userId,
      username: 'ann',
      familyId: subject.familyId,
    });
  });

  it('rejects alg none', async () => {
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: subject.userId, iss: 'scale-chat-auth', aud: 'scale-chat', exp: 9e9, iat: 1, jti: 'x' })}.`;
    await rejects(token, /algorithm not allowed|malformed/);
  });

  it('rejects HS256 signed with the public key as the secret', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const forged = await new SignJWT({ username: 'ann', fid: subject.familyId })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .setSubject(subject.userId)
      .setIssuer('scale-chat-auth')
      .setAudience('scale-chat')
      .setIssuedAt()
      .setExpirationTime('10m')
      .setJti('x')
      .sign(secret);
    await rejects(forged, 'algorithm not allowed');
  });

  it('rejects a token whose kid it does not know', async () => {
    const stranger = await generateSigningKey();
    await rejects(await new AccessTokenSigner(stranger).sign(subject), 'no key matches its kid');
  });

  it('rejects an expired token', async () => {
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await rejects(await new AccessTokenSigner(key).sign(subject, anHourAgo), 'expired');
  });

  it('rejects the wrong issuer and the wrong audience', async () => {
    await rejects(
      await new AccessTokenSigner(key, { issuer: 'someone-else' }).sign(subject),
      'claim iss',
    );
    await rejects(
      await new AccessTokenSigner(key, { audience: 'another-app' }).sign(subject),
      'claim aud',
    );
  });

  it('rejects a tampered payload', async () => {
    const [header, , signature] = (await new AccessTokenSigner(key).sign(subject)).split('.');
    const payload = b64({
      sub: subject.userId,
      username: 'admin',
      fid: subject.familyId,
      iss: 'scale-chat-auth',
      aud: 'scale-chat',
      exp: 9e9,
      iat: 1,
      jti: 'x',
    });
    await rejects(`${header}.${payload}.${signature}`, 'signature does not verify');
  });

  it('rejects a token of a revoked login', async () => {
    const familyId = randomUUID();
    const token = await new AccessTokenSigner(key).sign({ ...subject, familyId });
    await expect(verifier.verify(token)).resolves.toBeDefined();
    revoked.add(familyId);
    await rejects(token, 'the login was revoked');
  });

  it('rejects garbage', async () => {
    await rejects('not.a.token', 'malformed');
    await rejects('', 'malformed');
  });

  it('round-trips a signing key through PEM with the same kid', async () => {
    const again = await signingKeyFromPem(await signingKeyToPem(key));
    expect(again.kid).toBe(key.kid);
    await expect(
      verifier.verify(await new AccessTokenSigner(again).sign(subject)),
    ).resolves.toBeDefined();
  });
});

describe('AccessTokenVerifier when it cannot check', () => {
  const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };

  it('says the keys are out of reach (not that the token is bad) when the JWKS cannot be fetched', async () => {
    // A port that was free a moment ago: nothing answers there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const key = await generateSigningKey();
    const token = await new AccessTokenSigner(key).sign(subject);
    const verifier = AccessTokenVerifier.fromJwksUrl(`http://127.0.0.1:${port}/jwks`);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(AccessTokenCheckUnavailableError);
    // A token that is not one at all is still judged without the keys.
    await expect(verifier.verify('garbage')).rejects.toBeInstanceOf(InvalidAccessTokenError);
  });

  it('says the revocation list is out of reach when reading it fails', async () => {
    const key = await generateSigningKey();
    const verifier = AccessTokenVerifier.fromKeySet(
      { keys: [key.publicJwk] },
      { isFamilyRevoked: () => Promise.reject(new Error('Connection terminated')) },
    );
    const token = await new AccessTokenSigner(key).sign(subject);
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(AccessTokenCheckUnavailableError);
  });
});
