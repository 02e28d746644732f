import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM } from './claims';

/** A public key as the JWKS publishes it. */
export interface PublicJwk extends JsonWebKey {
  readonly kid: string;
  readonly alg: typeof ACCESS_TOKEN_ALGORITHM;
  readonly use: 'sig';
}

/** A P-256 key that signs access tokens, and the public half that verifies them. */
export interface SigningKey {
  /** The key id: the RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  /** PKCS#8 PEM, as `@nestjs/jwt` takes it. */
  readonly privateKeyPem: string;
  /** SPKI PEM, as `passport-jwt` takes it. */
  readonly publicKeyPem: string;
  /** The public key as a JWK, as `GET /api/auth/jwks` publishes it. */
  readonly publicJwk: PublicJwk;
}

export class SigningKeyError extends Error {}

/** RFC 7638: SHA-256 of the required members of an EC key, in lexical order. */
function thumbprint(jwk: JsonWebKey): string {
  const { crv, kty, x, y } = jwk;
  return createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
}

function describe(privateKey: KeyObject): SigningKey {
  if (
    privateKey.asymmetricKeyType !== 'ec' ||
    privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  )
    throw new SigningKeyError(
      'an access-token signing key must be an EC P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)',
    );
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = thumbprint(jwk);
  return {
    kid,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    publicJwk: { ...jwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' },
  };
}

export function generateSigningKey(): SigningKey {
  return describe(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
}

/** Reads a PEM P-256 private key (PKCS#8 or SEC1, as `openssl` writes them). */
export function signingKeyFromPem(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new SigningKeyError('an access-token signing key must be a PEM private key', {
      cause: error,
    });
  }
  return describe(privateKey);
}
