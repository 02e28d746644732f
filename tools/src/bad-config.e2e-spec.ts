import { spawnSync } from 'node:child_process';
import { localInstances, REPO_ROOT, serviceCommand } from './infra';

/** Starts a real service process with `env` and returns how it ended. */
function startWith(service: string, env: Record<string, string>) {
  const instance = localInstances().find((candidate) => candidate.service === service);
  if (instance === undefined) throw new Error(`unknown service ${service}`);
  const { command, args, env: fullEnv } = serviceCommand(instance, { ...process.env, ...env });
  return spawnSync(command, args, {
    cwd: REPO_ROOT,
    env: fullEnv,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('a service started with a bad configuration', () => {
  it.each([
    ['auth', 'KAFKA_BROKERS', 'not a broker'],
    ['chat-gateway', 'DATABASE_URL', 'postgres//missing-colon@host/db'],
    ['saga-orchestrator', 'SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['log-consumer', 'LOG_LEVEL', 'loud'],
    ['chat-gateway', 'KAFKA_SASL_MECHANISM', 'kerberos'],
    // Express takes any text here, and threw on it only when the app was built.
    ['chat-gateway', 'TRUST_PROXY', 'garbage'],
  ])('%s with %s=%p exits 78 with one line naming the variable', (service, variable, value) => {
    const result = startWith(service, { [variable]: value });
    expect(result.status).toBe(78);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${variable} must be `));
    expect(result.stdout).toBe('');
  });

  it('auth with a signing key file it cannot read exits 78 with one line naming the variable, its log lines JSON', () => {
    const result = startWith('auth', {
      AUTH_SIGNING_KEY_FILE: '/nonexistent/signing-key.pem',
      LOG_FORMAT: 'json',
    });
    expect(result.status).toBe(78);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'Invalid configuration: AUTH_SIGNING_KEY_FILE: /nonexistent/signing-key.pem cannot be read (ENOENT)',
    ]);
    // What the framework said while starting, in the service's shape for a log pipeline.
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(JSON.parse(line)).toMatchObject({
        service: 'auth',
        msg: expect.any(String) as unknown,
      });
  });
});
