import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '@scale-chat/access-tokens';
import { ConfigError } from '@scale-chat/platform';
import { readAuthConfig } from '../auth-config';
import { loadSigningKeys } from './signing-keys';

describe('loadSigningKeys', () => {
  let dir: string;
  let current: string;
  let previous: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'signing-keys-'));
    [current, previous] = [join(dir, 'current.pem'), join(dir, 'previous.pem')];
    await writeFile(current, generateSigningKey().privateKeyPem);
    await writeFile(previous, generateSigningKey().privateKeyPem);
    await writeFile(join(dir, 'not-a-key.pem'), 'hello');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const load = (env: Record<string, string>) => loadSigningKeys(readAuthConfig(env));

  it('reads the current key and every previous one', async () => {
    const keys = await load({
      AUTH_SIGNING_KEY_FILE: current,
      AUTH_PREVIOUS_SIGNING_KEY_FILES: ` ${previous} `,
    });
    expect(keys.previous).toHaveLength(1);
    expect(keys.previous[0]?.kid).not.toBe(keys.current.kid);
  });

  it('refuses a current key it cannot read or use as a configuration error naming the variable', async () => {
    await expect(load({ AUTH_SIGNING_KEY_FILE: join(dir, 'missing.pem') })).rejects.toThrow(
      new ConfigError([
        `AUTH_SIGNING_KEY_FILE: ${join(dir, 'missing.pem')} cannot be read (ENOENT)`,
      ]),
    );
    await expect(
      load({ AUTH_SIGNING_KEY_FILE: join(dir, 'not-a-key.pem') }),
    ).rejects.toBeInstanceOf(ConfigError);
  });

  it('leaves out a previous key whose file is gone, as a rotation under way may name one', async () => {
    const keys = await load({
      AUTH_SIGNING_KEY_FILE: current,
      AUTH_PREVIOUS_SIGNING_KEY_FILES: `${join(dir, 'gone.pem')},${previous}`,
    });
    expect(keys.previous).toHaveLength(1);
  });

  it('refuses a previous key file that is there but holds no key', async () => {
    await expect(
      load({
        AUTH_SIGNING_KEY_FILE: current,
        AUTH_PREVIOUS_SIGNING_KEY_FILES: join(dir, 'not-a-key.pem'),
      }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
