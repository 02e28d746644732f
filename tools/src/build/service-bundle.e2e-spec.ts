import { eventually } from '@scale-chat/wait';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@scale-chat/contracts';
import { createTestDatabase, type TestDatabase } from '@scale-chat/platform/testing';
import { CACHE_DIR, freePort, isHealthy, REPO_ROOT, startManaged } from '../infra';
import { bundleService, type ServiceBundle } from './bundle-service';

const OUT = join(CACHE_DIR, 'bundle-test');
const dependencies = Object.keys(
  (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    }
  ).dependencies,
);

/**
 * auth's signing key, made by the script compose runs once (deploy/docker/make-signing-key.js);
 * in production auth refuses to start without one.
 */
function signingKeyFile(): string {
  const file = join(OUT, 'signing-key.pem');
  rmSync(file, { force: true });
  const made = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'deploy', 'docker', 'make-signing-key.js'), file],
    { encoding: 'utf8' },
  );
  expect(made.stdout).toBe(`${file} written\n`);
  return file;
}

describe('the production bundles (nx run <service>:build)', () => {
  const bundles = new Map<ServiceName, ServiceBundle>();

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    for (const service of SERVICE_NAMES) {
      bundles.set(service, await bundleService(service, join(OUT, service)));
    }
  }, 60_000);

  it.each(SERVICE_NAMES)('%s needs only production dependencies at run time', (service) => {
    const needed = bundles.get(service)?.packages ?? [];
    expect(needed).toContain('@nestjs/core');
    expect(needed.filter((name) => !dependencies.includes(name))).toEqual([]);
  });

  it('every service starts from its bundle with NODE_ENV=production (auth with the key compose makes) and answers /health', async () => {
    const databases: TestDatabase[] = [];
    const processes: ReturnType<typeof startManaged>[] = [];
    const run = randomUUID().slice(0, 8);
    const keyFile = signingKeyFile();
    try {
      const started = await Promise.all(
        SERVICE_NAMES.map(async (service) => {
          const database = await createTestDatabase();
          databases.push(database);
          const port = await freePort();
          const child = startManaged(
            `${service}-bundle`,
            process.execPath,
            [join(OUT, service, 'main.js')],
            {
              cwd: REPO_ROOT,
              env: {
                ...process.env,
                NODE_ENV: 'production',
                LOG_LEVEL: 'warn',
                PORT: String(port),
                DATABASE_URL: database.url,
                KAFKA_TOPIC_PREFIX: `test-bundle-${run}.`,
                KAFKA_GROUP_PREFIX: `test-bundle-${run}-${service}`,
                AUTH_SIGNING_KEY_FILE: keyFile,
              },
            },
          );
          processes.push(child);
          return { service, port, child };
        }),
      );
      await Promise.all(
        started.map(({ service, port, child }) =>
          eventually(
            `${service} from its bundle`,
            () => isHealthy(`http://127.0.0.1:${port}/health`),
            {
              timeoutMs: 90_000,
              failed: child.exitReason,
            },
          ),
        ),
      );
    } finally {
      await Promise.all(processes.map((child) => child.stop(10_000)));
      await Promise.all(databases.map((database) => database.drop()));
    }
  }, 150_000);
});
