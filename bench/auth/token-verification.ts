/**
 * What verifying one access token costs, the way passport-jwt does it on every REST
 * request and socket handshake: ES256 with the claims pinned, the key handed over as PEM
 * text (parsed by jsonwebtoken each time) or parsed once (`parsedKeys`). Both in this
 * process, alternately, after a warm-up; prints µs per token.
 *
 *   node tools/run.js bench auth/token-verification.ts     # TOKENS=5000 ROUNDS=3
 */
import { randomUUID } from 'node:crypto';
import {
  ACCESS_TOKEN_ALGORITHM,
  AccessTokenSigner,
  generateSigningKey,
} from '@scale-chat/access-tokens';
import { integer, parsedKeys, parseEnv } from '@scale-chat/platform';
import { JwtService } from '@nestjs/jwt';
import type { SecretOrKeyProvider } from 'passport-jwt';
import { printFigures, runBenchmark } from '../report';

const { TOKENS, ROUNDS } = parseEnv(process.env, {
  TOKENS: integer({ min: 100, max: 1_000_000 }, { default: 5_000 }),
  ROUNDS: integer({ min: 1, max: 100 }, { default: 3 }),
});

const jwt = new JwtService();

function keyFrom(provider: SecretOrKeyProvider, token: string): string | Buffer {
  let found: string | Buffer | undefined;
  provider(undefined, token, (error: unknown, key?: string | Buffer) => {
    if (error !== null && error !== undefined) throw error;
    found = key;
  });
  if (found === undefined) throw new Error('no key');
  return found;
}

/** µs per token: the provider's key for each token, then jsonwebtoken's verify (through @nestjs/jwt). */
function timeVerifications(provider: SecretOrKeyProvider, token: string, count: number): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < count; index++) {
    jwt.verify(token, {
      publicKey: keyFrom(provider, token),
      algorithms: [ACCESS_TOKEN_ALGORITHM],
    });
  }
  return Number(process.hrtime.bigint() - started) / 1_000 / count;
}

runBenchmark(async () => {
  const signingKey = generateSigningKey();
  const token = await AccessTokenSigner.forKey(signingKey).sign({
    userId: randomUUID(),
    username: 'bench',
    familyId: randomUUID(),
  });
  const asText: SecretOrKeyProvider = (_request, _token, done) =>
    done(null, signingKey.publicKeyPem);
  const parsed = parsedKeys(asText);
  timeVerifications(asText, token, TOKENS / 5);
  timeVerifications(parsed, token, TOKENS / 5);
  const figures = { text: [] as number[], parsed: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    figures.text.push(timeVerifications(asText, token, TOKENS));
    figures.parsed.push(timeVerifications(parsed, token, TOKENS));
  }
  const show = (values: number[]) => values.map((value) => value.toFixed(1)).join(' / ');
  printFigures([
    [`key as PEM text, µs per token (${ROUNDS} rounds of ${TOKENS})`, show(figures.text)],
    [`key parsed once (parsedKeys), µs per token`, show(figures.parsed)],
  ]);
});
