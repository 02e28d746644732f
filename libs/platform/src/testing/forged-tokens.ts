import { createHmac, createPrivateKey, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import {
  DEFAULT_AUDIENCE,
  DEFAULT_ISSUER,
  generateSigningKey,
  type AccessTokenSubject,
  type SigningKey,
} from '@scale-chat/access-tokens';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWS with whatever header and payload, signed by `signature` over `header.payload`. */
function jws(header: object, payload: object, signature: (input: Buffer) => Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signature(Buffer.from(input)).toString('base64url')}`;
}

const es256 = (pem: string) => (input: Buffer) =>
  sign('sha256', input, { key: createPrivateKey(pem), dsaEncoding: 'ieee-p1363' });

/**
 * Every kind of forged or unacceptable access token a verifier that trusts `key` must
 * refuse (issue 19), for `subject`: each a name and a token. Tokens of a deleted user or a
 * revoked login depend on the service's state and are left to the tests.
 */
export function forgedAccessTokens(
  key: SigningKey,
  subject: AccessTokenSubject,
  now: Date = new Date(),
): [string, string][] {
  const iat = Math.floor(now.getTime() / 1000);
  const claims = {
    sub: subject.userId,
    username: subject.username,
    fid: subject.familyId,
    iss: DEFAULT_ISSUER,
    aud: DEFAULT_AUDIENCE,
    iat,
    exp: iat + 900,
    jti: randomUUID(),
  };
  const ours = { alg: 'ES256', kid: key.kid, typ: 'JWT' };
  const signedByKey = (payload: object) => jws(ours, payload, es256(key.privateKeyPem));
  const without = (name: keyof typeof claims) => {
    const { [name]: _dropped, ...rest } = claims;
    return signedByKey(rest);
  };
  const stranger = generateSigningKey();
  const strangerSigns = (header: object) =>
    jws({ alg: 'ES256', typ: 'JWT', ...header }, claims, es256(stranger.privateKeyPem));
  const ed25519 = generateKeyPairSync('ed25519').privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const valid = signedByKey(claims);
  const [header, , signature] = valid.split('.');
  return [
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`],
    ['alg none with our kid', `${b64({ alg: 'none', kid: key.kid, typ: 'JWT' })}.${b64(claims)}.`],
    [
      'HS256 keyed with the public key PEM',
      jws({ ...ours, alg: 'HS256' }, claims, (input) =>
        createHmac('sha256', key.publicKeyPem).update(input).digest(),
      ),
    ],
    [
      'HS256 keyed with the public JWK',
      jws({ ...ours, alg: 'HS256' }, claims, (input) =>
        createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest(),
      ),
    ],
    [
      'a tampered payload',
      `${header}.${b64({ ...claims, username: 'admin', sub: randomUUID() })}.${signature}`,
    ],
    ['EdDSA', jws({ ...ours, alg: 'EdDSA' }, claims, (input) => sign(null, input, ed25519))],
    ['RS256', jws({ ...ours, alg: 'RS256' }, claims, (input) => sign('sha256', input, rsa))],
    ['an unknown kid', strangerSigns({ kid: stranger.kid })],
    ['a jwk header with our kid', strangerSigns({ kid: key.kid, jwk: stranger.publicJwk })],
    ['a jwk header without kid', strangerSigns({ jwk: stranger.publicJwk })],
    ['a jku header', strangerSigns({ kid: stranger.kid, jku: 'http://127.0.0.1:1/jwks' })],
    ['an x5u header', strangerSigns({ kid: stranger.kid, x5u: 'http://127.0.0.1:1/cert.pem' })],
    ['no iss', without('iss')],
    ['a wrong iss', signedByKey({ ...claims, iss: 'someone-else' })],
    ['no aud', without('aud')],
    ['a wrong aud', signedByKey({ ...claims, aud: 'another-app' })],
    ['no exp', without('exp')],
    ['expired (past the leeway)', signedByKey({ ...claims, iat: iat - 960, exp: iat - 60 })],
    ['no sub', without('sub')],
  ];
}
