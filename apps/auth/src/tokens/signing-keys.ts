import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  generateSigningKey,
  signingKeyFromPem,
  SigningKeyError,
  type SigningKey,
} from '@scale-chat/access-tokens';
import { Logger } from '@nestjs/common';
import { ConfigError } from '@scale-chat/platform';
import type { AuthConfig } from '../auth-config';

const logger = new Logger('signing-keys');

/**
 * Where a development key is kept between runs; `.cache/` is ignored by git. Not the
 * Ed25519 key's file of before the switch to ES256, which is left alone.
 */
const DEVELOPMENT_KEY_FILE = '.cache/keys/access-token-signing-key-es256.pem';

export interface SigningKeys {
  /** Signs new tokens. */
  readonly current: SigningKey;
  /** Still published, so tokens they signed verify until they expire (key rotation). */
  readonly previous: readonly SigningKey[];
}

export const SIGNING_KEYS = Symbol('SIGNING_KEYS');

/**
 * The configured key (`AUTH_SIGNING_KEY_FILE`, a PEM EC P-256 private key), or outside
 * production one generated on first start and kept in `.cache/keys/`.
 */
export async function loadSigningKeys(config: AuthConfig): Promise<SigningKeys> {
  const { AUTH_SIGNING_KEY_FILE: file, AUTH_PREVIOUS_SIGNING_KEY_FILES: previous } = config.extra;
  const current =
    file === undefined
      ? await developmentKey()
      : await configuredKey('AUTH_SIGNING_KEY_FILE', file);
  const previousKeys: SigningKey[] = [];
  for (const path of (previous ?? '').split(',').map((entry) => entry.trim()))
    if (path !== '') {
      // A file that is gone is left out rather than fatal: during a key rotation an old pod
      // restarted with the new Secret and its old setting names one, and must still start.
      // One that is there and unreadable, or no key, is a mistake to stop at.
      try {
        previousKeys.push(await keyFromFile(path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw configurationError('AUTH_PREVIOUS_SIGNING_KEY_FILES', path, error);
        logger.warn(
          `AUTH_PREVIOUS_SIGNING_KEY_FILES: ${path} does not exist: left out, so tokens it signed stop verifying`,
        );
      }
    }
  return { current, previous: previousKeys };
}

/**
 * The key in the file that `variable` names; a file that cannot be read, or holds no
 * usable key, is a configuration error naming both (exit 78, one line).
 */
async function configuredKey(variable: string, path: string): Promise<SigningKey> {
  try {
    return await keyFromFile(path);
  } catch (error) {
    throw configurationError(variable, path, error);
  }
}

/** Why the key in `path` cannot be used, as a configuration error naming `variable`. */
function configurationError(variable: string, path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) return new ConfigError([`${variable}: ${path} cannot be read (${code})`]);
  if (error instanceof SigningKeyError) return new ConfigError([`${variable}: ${error.message}`]);
  return error;
}

async function keyFromFile(path: string): Promise<SigningKey> {
  const pem = await readFile(path, 'utf8');
  try {
    return signingKeyFromPem(pem);
  } catch (error) {
    // Name the file: an Ed25519 key left from before the switch to ES256 stops the start here.
    throw new SigningKeyError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

async function developmentKey(): Promise<SigningKey> {
  const path = resolve(DEVELOPMENT_KEY_FILE);
  try {
    return await keyFromFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = generateSigningKey();
  await mkdir(dirname(path), { recursive: true });
  // `wx`: two instances starting at once must not overwrite each other's key.
  await writeFile(path, key.privateKeyPem, { flag: 'wx', mode: 0o600 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    },
  );
  await chmod(path, 0o600);
  return keyFromFile(path);
}
