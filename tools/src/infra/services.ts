import { join } from 'node:path';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '@scale-chat/contracts';
import { REPO_ROOT } from './paths';

/** One process of a service in the local stack. */
export interface ServiceInstance {
  /** `auth`, `chat-gateway-1`, `chat-gateway-2`, ... */
  readonly label: string;
  readonly service: ServiceName;
  readonly port: number;
  readonly healthUrl: string;
}

export function localInstances(): ServiceInstance[] {
  return SERVICE_NAMES.flatMap((service) =>
    SERVICES[service].ports.map((port, index, ports) => ({
      label: ports.length > 1 ? `${service}-${index + 1}` : service,
      service,
      port,
      healthUrl: `http://127.0.0.1:${port}/health`,
    })),
  );
}

export function findInstance(service: string, instance = 1): ServiceInstance {
  const found = localInstances().filter((candidate) => candidate.service === service)[instance - 1];
  if (found === undefined) {
    throw new Error(
      `no instance ${instance} of "${service}"; services: ${SERVICE_NAMES.join(', ')}`,
    );
  }
  return found;
}

/**
 * Node flags every service runs with, here and in its image (deploy/docker/service.Dockerfile).
 * A larger young generation (V8's default semi-space is 16 MB): a chat gateway allocates
 * a short-lived object graph for every message it relays and delivers, and with the
 * default it scavenged often enough to be a tenth of the relaying gateway's time in a
 * profile at our maximum; with 32 MB its collection time halved (docs/benchmarks.md, "A
 * larger young generation"). V8 grows the young generation up to this only when a
 * process allocates fast, so a quiet service keeps a small one.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

/**
 * How the tools run a service from its TypeScript sources: node with swc's require hook,
 * which resolves the workspace's path aliases from tsconfig.base.json. `nodeFlags` come
 * after `SERVICE_NODE_FLAGS` (a later flag wins).
 */
export function serviceCommand(
  instance: Pick<ServiceInstance, 'label' | 'service' | 'port'>,
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[] = [],
): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  return {
    command: process.execPath,
    args: [
      ...SERVICE_NODE_FLAGS,
      ...nodeFlags,
      '-r',
      '@swc-node/register',
      join(REPO_ROOT, 'apps', instance.service, 'src', 'main.ts'),
    ],
    env: {
      ...env,
      SWC_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.base.json'),
      PORT: String(instance.port),
      INSTANCE_ID: instance.label,
    },
  };
}

/** True when `url` answers 200 within a second. */
export async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return response.status === 200;
  } catch {
    return false;
  }
}
