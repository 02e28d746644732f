import { randomUUID } from 'node:crypto';
import {
  AccessTokenCheckUnavailableError,
  AccessTokenSigner,
  generateSigningKey,
  InvalidAccessTokenError,
} from '@scale-chat/access-tokens';
import { AccessTokenStrategy } from './access-token.strategy';
import { BearerAuthentication } from './bearer-authentication';

const key = generateSigningKey();
const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };

/** The strategy with `key` as its only key and `isFamilyRevoked` as its revocation list. */
const bearerWith = (isFamilyRevoked: () => Promise<boolean>) =>
  new BearerAuthentication(
    new AccessTokenStrategy({
      keys: (_request, _token, done) => done(null, key.publicKeyPem),
      issuer: 'scale-chat-auth',
      audience: 'scale-chat',
      isFamilyRevoked,
    }),
  );

describe('BearerAuthentication through AccessTokenStrategy', () => {
  it('resolves with who the token is for', async () => {
    const token = await AccessTokenSigner.forKey(key).sign(subject);
    await expect(
      bearerWith(() => Promise.resolve(false)).verifyToken(token),
    ).resolves.toMatchObject({
      userId: subject.userId,
      username: 'ann',
      familyId: subject.familyId,
    });
  });

  it('refuses the token of a revoked login', async () => {
    const token = await AccessTokenSigner.forKey(key).sign(subject);
    await expect(bearerWith(() => Promise.resolve(true)).verifyToken(token)).rejects.toBeInstanceOf(
      InvalidAccessTokenError,
    );
  });

  it('says it cannot check (a 503, not a 401) when the revocation list is out of reach', async () => {
    const token = await AccessTokenSigner.forKey(key).sign(subject);
    await expect(
      bearerWith(() => Promise.reject(new Error('Connection terminated'))).verifyToken(token),
    ).rejects.toBeInstanceOf(AccessTokenCheckUnavailableError);
  });

  it('refuses a request without a bearer token', async () => {
    await expect(
      bearerWith(() => Promise.resolve(false)).verifyRequest({ headers: {} }),
    ).rejects.toBeInstanceOf(InvalidAccessTokenError);
  });
});
