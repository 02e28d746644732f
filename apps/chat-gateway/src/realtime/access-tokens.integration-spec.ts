import { randomUUID } from 'node:crypto';
import {
  AccessTokenSigner,
  ACCESS_TOKEN_LEEWAY_SECONDS,
  generateSigningKey,
  type SigningKey,
} from '@scale-chat/access-tokens';
import {
  forgedAccessTokens,
  startTestJwks,
  startTestService,
  type TestJwks,
  type TestService,
} from '@scale-chat/platform/testing';
import { eventually } from '@scale-chat/wait';
import { DataSource } from 'typeorm';
import { chatGatewayService } from '../app.module';
import type { ChatConfig } from '../chat-config';
import { handshake } from './handshake.test-helper';

jest.setTimeout(60_000);

const CACHE_SECONDS = 1;

/** What `GET /api/rooms` on `gateway` answers `token`. */
const restStatus = async (gateway: TestService<ChatConfig>, token: string): Promise<number> =>
  (await fetch(`${gateway.url}/api/rooms`, { headers: { authorization: `Bearer ${token}` } }))
    .status;

/** A gateway that verifies tokens against a JWKS of the test's own serving `key`. */
async function gatewayOfJwks(key: SigningKey, env: Record<string, string>) {
  const jwks = await startTestJwks(key);
  const gateway = await startTestService(chatGatewayService, {
    AUTH_JWKS_URL: jwks.url,
    // A Socket.IO cluster of its own: not the default topic a stack on this broker uses.
    SOCKET_IO_TOPIC: `test.socketio-${randomUUID().slice(0, 8)}`,
    ...env,
  });
  return { jwks, gateway };
}

/**
 * Issue 19 on chat-gateway: the same passport strategy judges a token on REST and at the
 * Socket.IO handshake; every forged token is refused by both, keys rotate without a
 * restart, and a JWKS out of reach is a 503 / `internal`, never a 401.
 */
describe('access tokens on chat-gateway (REST and the Socket.IO handshake)', () => {
  const key = generateSigningKey();
  const subject = () => ({ userId: randomUUID(), username: 'ann', familyId: randomUUID() });
  let jwks: TestJwks;
  let gateway: TestService<ChatConfig>;

  beforeAll(async () => {
    ({ jwks, gateway } = await gatewayOfJwks(key, {
      AUTH_JWKS_CACHE_SECONDS: String(CACHE_SECONDS),
      // Every case below fetches the set; the default 10 a minute would refuse some.
      AUTH_JWKS_FETCHES_PER_MINUTE: '1000',
    }));
  });

  afterAll(async () => {
    await gateway?.close();
    await jwks?.close();
  });

  const rest = (token: string) => restStatus(gateway, token);
  const socket = (token: string): Promise<string> => handshake(gateway.url, { auth: { token } });
  /** What REST and the handshake answer a token, together. */
  const verdicts = async (token: string) => ({
    rest: await rest(token),
    socket: await socket(token),
  });
  const ACCEPTED = { rest: 200, socket: 'connected' };
  const REFUSED = { rest: 401, socket: 'unauthorized' };

  it('accepts a token signed by the key of the JWKS', async () => {
    expect(await verdicts(await jwks.signer.sign(subject()))).toEqual(ACCEPTED);
  });

  it.each(forgedAccessTokens(key, subject()))('refuses %s', async (_name, token) => {
    expect(await verdicts(token)).toEqual(REFUSED);
  });

  it('refuses the token of a revoked login and of a deleted user (both revoke the login)', async () => {
    const revoked = subject();
    const token = await jwks.signer.sign(revoked);
    expect(await verdicts(token)).toEqual(ACCEPTED);
    // The row the auth.logins consumer writes for `logout`, `reuse` and `account-deleted`
    // alike (login-revocations.integration-spec.ts shows it written from Kafka).
    await gateway.app
      .get(DataSource)
      .query(`INSERT INTO "revoked_logins" ("family_id") VALUES ($1)`, [revoked.familyId]);
    expect(await verdicts(token)).toEqual(REFUSED);
  });

  it(`grants one leeway of ${ACCESS_TOKEN_LEEWAY_SECONDS} s past exp, the same on REST and at the handshake`, async () => {
    const ttl = 900;
    const expiredAgo = (seconds: number) =>
      jwks.signer.sign(subject(), new Date(Date.now() - (ttl + seconds) * 1000));
    // Expired 1–2 s ago (`iat` is whole seconds): 3 s or more of the leeway left for both.
    expect(await verdicts(await expiredAgo(1))).toEqual(ACCEPTED);
    expect(await verdicts(await expiredAgo(ACCESS_TOKEN_LEEWAY_SECONDS + 1))).toEqual(REFUSED);
  });

  describe('key rotation', () => {
    const previous = key;
    const next = generateSigningKey();
    const signedBy = (signing: typeof key, issuedAt = new Date()) =>
      AccessTokenSigner.forKey(signing).sign(subject(), issuedAt);

    it('picks up a new key without a restart, and still accepts the previous key until its tokens expire', async () => {
      const byNext = await signedBy(next);
      expect(await verdicts(byNext)).toEqual(REFUSED);
      jwks.serve([next, previous]);
      // An unknown kid fetches the set again at once: no restart, no waiting for the cache.
      expect(await verdicts(byNext)).toEqual(ACCEPTED);
      expect(await verdicts(await signedBy(previous))).toEqual(ACCEPTED);
      expect(await verdicts(await signedBy(previous, new Date(Date.now() - 3_600_000)))).toEqual(
        REFUSED,
      );
    });

    it('refuses the removed key once its cached copy is older than AUTH_JWKS_CACHE_SECONDS', async () => {
      jwks.serve([next]);
      const byPrevious = await signedBy(previous);
      const deadline = Date.now() + 10_000;
      while ((await rest(byPrevious)) === 200 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await verdicts(byPrevious)).toEqual(REFUSED);
      expect(await verdicts(await signedBy(next))).toEqual(ACCEPTED);
    });
  });

  it('answers 503 on REST and internal at the handshake when the JWKS is out of reach, never 401', async () => {
    jwks.serve('unavailable');
    // A key the gateway has not cached: it must fetch the set, and cannot.
    const token = await AccessTokenSigner.forKey(generateSigningKey()).sign(subject());
    const response = await fetch(`${gateway.url}/api/rooms`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect(await socket(token)).toBe('internal');
  });
});

describe('access tokens on chat-gateway while made-up kids use up the reads of the JWKS', () => {
  let jwks: TestJwks;
  let gateway: TestService<ChatConfig>;

  beforeAll(async () => {
    ({ jwks, gateway } = await gatewayOfJwks(generateSigningKey(), {
      AUTH_JWKS_CACHE_SECONDS: '1',
      AUTH_JWKS_FETCHES_PER_MINUTE: '2',
    }));
  });

  afterAll(async () => {
    await gateway?.close();
    await jwks?.close();
  });

  const rest = (token: string) => restStatus(gateway, token);
  const subject = () => ({ userId: randomUUID(), username: 'ann', familyId: randomUUID() });

  it('still accepts tokens of the real key once its set is read again', async () => {
    const real = await jwks.signer.sign(subject());
    expect(await rest(real)).toBe(200);
    const readAt = Date.now();
    // No account needed: tokens whose kid no key has, past the reads a minute allows.
    for (let n = 0; n < 10; n += 1)
      expect(await rest(await AccessTokenSigner.forKey(generateSigningKey()).sign(subject()))).toBe(
        401,
      );
    // The set is older than AUTH_JWKS_CACHE_SECONDS from here, and the minute is not over.
    await eventually('the set read over a second ago', () => Date.now() - readAt > 1_100);
    expect(await rest(real)).toBe(200);
    expect(await handshake(gateway.url, { auth: { token: real } })).toBe('connected');
  });
});
