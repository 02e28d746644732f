import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { SERVICES } from '@scale-chat/contracts';
import type { Environment, ServiceDefinition } from '../bootstrap';

const COMPOSE_FILE = join(resolve(__dirname, '..', '..', '..', '..'), 'docker-compose.yml');
const INTERPOLATION = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g;

/** Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `$$`, against `env`. */
export function interpolateCompose(value: string, env: Environment): string {
  return value.replace(
    INTERPOLATION,
    (whole, name: string | undefined, operator?: string, fallback?: string) => {
      if (whole === '$$') return '$';
      const given = env[name ?? ''];
      const unset = operator === ':-' ? given === undefined || given === '' : given === undefined;
      return unset ? (fallback ?? '') : (given ?? '');
    },
  );
}

/**
 * The environment docker-compose.yml gives `service` (YAML merge keys applied, values
 * interpolated as `docker compose up` would with `env`: none set by default, so the file's
 * own defaults), to be read by the service's own configuration reader.
 */
export function composeEnvironment(service: string, env: Environment = {}): Environment {
  const file = parse(readFileSync(COMPOSE_FILE, 'utf8'), { merge: true }) as {
    services?: Record<string, { environment?: Record<string, string | number | boolean> }>;
  };
  const definition = file.services?.[service];
  if (definition === undefined) throw new Error(`docker-compose.yml has no service "${service}"`);
  return Object.fromEntries(
    Object.entries(definition.environment ?? {}).map(([name, value]) => [
      name,
      interpolateCompose(String(value), env),
    ]),
  );
}

const LOOPBACK = /(^|[/@,\s])(127\.\d+\.\d+\.\d+|localhost|\[::1\])(?=[:/,\s]|$)/i;

/**
 * The settings of a parsed configuration whose value names a loopback address: inside a
 * container that is the container itself, so an address of another service left at its
 * local-stack default. `allowed` names settings seen from the browser (allowed origins).
 */
export function loopbackSettings(
  parsed: Readonly<Record<string, unknown>>,
  allowed: readonly string[] = [],
): string[] {
  return Object.entries(parsed)
    .filter(([name]) => !allowed.includes(name))
    .filter(([, value]) =>
      (Array.isArray(value) ? value : [value]).some(
        (item) => typeof item === 'string' && LOOPBACK.test(item),
      ),
    )
    .map(([name]) => name);
}

/**
 * The checks of the environment a deployment gives a service, read by the service's own
 * configuration reader: shared by docker-compose.yml and the Helm chart.
 * `browserFacing` names settings that may name loopback (what a browser on the host sees).
 */
export function deployedEnvironmentChecks(
  definition: Pick<ServiceDefinition, 'readConfig'>,
  environment: () => Environment,
  browserFacing: readonly string[] = [],
): void {
  const read = () => definition.readConfig(environment());

  it('has every setting its configuration requires (read as in production)', () => {
    expect(read).not.toThrow();
    expect(read().nodeEnv).toBe('production');
  });

  it('listens on every interface, on the port of API.md', () => {
    expect(read()).toMatchObject({ host: '0.0.0.0', port: SERVICES[read().service].ports[0] });
  });

  it('reaches every other service by its name there, none at a local-stack default', () => {
    const { extra } = read() as { extra?: Readonly<Record<string, unknown>> };
    expect(loopbackSettings(extra ?? {}, browserFacing)).toEqual([]);
  });
}

/**
 * The checks of a service's environment in docker-compose.yml, read by the service's own
 * configuration reader: registered by each app's compose-environment.spec.ts.
 */
export function composeEnvironmentChecks(
  definition: Pick<ServiceDefinition, 'service' | 'readConfig'>,
  browserFacing: readonly string[] = [],
): void {
  deployedEnvironmentChecks(
    definition,
    () => composeEnvironment(definition.service),
    browserFacing,
  );
}
