import { randomUUID } from 'node:crypto';
import {
  AccessTokenCheckUnavailableError,
  AccessTokenSigner,
  generateSigningKey,
  InvalidAccessTokenError,
} from '@scale-chat/access-tokens';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { AccessTokenStrategy } from './access-token.strategy';
import { BearerAuthentication } from './bearer-authentication';
import { forgedAccessTokens } from '../testing/forged-tokens';
import { parsedKeys } from './parsed-keys';

const key = generateSigningKey();
const subject = { userId: randomUUID(), username: 'ann', familyId: randomUUID() };

const asText: SecretOrKeyProvider = (_request, _token, done) => done(null, key.publicKeyPem);

/**
 * The strategy with `key` as its only key (as PEM text unless `keys` says otherwise) and
 * `isFamilyRevoked` as its revocation list.
 */
const bearerWith = (isFamilyRevoked: () => Promise<boolean>, keys = asText) =>
  new BearerAuthentication(
    new AccessTokenStrategy({
      keys,
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

describe('BearerAuthentication with the key parsed once (parsedKeys)', () => {
  const notRevoked = () => Promise.resolve(false);

  it("verifies the key's own tokens", async () => {
    const token = await AccessTokenSigner.forKey(key).sign(subject);
    await expect(
      bearerWith(notRevoked, parsedKeys(asText)).verifyToken(token),
    ).resolves.toMatchObject({ userId: subject.userId });
  });

  it.each(forgedAccessTokens(key, subject))('refuses %s', async (_kind, token) => {
    await expect(
      bearerWith(notRevoked, parsedKeys(asText)).verifyToken(token),
    ).rejects.toBeInstanceOf(InvalidAccessTokenError);
  });
});
