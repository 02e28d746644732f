import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JWK,
  type KeyLike,
} from 'jose';
import { createPublicKey } from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM } from './claims';

/** An Ed25519 key that signs access tokens, and the public half that verifies them. */
export interface SigningKey {
  /** The key id: the RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly privateKey: KeyLike;
  /** The public key as a JWK, as `GET /api/auth/jwks` publishes it. */
  readonly publicJwk: JWK;
}

async function describe(privateKey: KeyLike, publicKey: KeyLike): Promise<SigningKey> {
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' } };
}

export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  return describe(privateKey, publicKey);
}

/** Reads a PKCS#8 PEM Ed25519 private key (what `openssl genpkey -algorithm ed25519` writes). */
export async function signingKeyFromPem(pem: string): Promise<SigningKey> {
  const privateKey = await importPKCS8(pem, ACCESS_TOKEN_ALGORITHM, { extractable: true });
  const publicKey = createPublicKey(pem);
  return describe(privateKey, publicKey);
}

export function signingKeyToPem(key: SigningKey): Promise<string> {
  return exportPKCS8(key.privateKey);
}
