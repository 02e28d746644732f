import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { Environment, ServiceDefinition } from '../bootstrap';
import { deployedEnvironmentChecks } from './compose-environment';

const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');

interface Rendered {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly data?: Readonly<Record<string, string>>;
  readonly stringData?: Readonly<Record<string, string>>;
  readonly spec?: {
    readonly template?: {
      readonly metadata: { readonly labels: Readonly<Record<string, string>> };
      readonly spec: { readonly containers: readonly RenderedContainer[] };
    };
  };
}
interface KeyRef {
  readonly name: string;
  readonly key: string;
}
interface RenderedContainer {
  readonly envFrom?: readonly {
    readonly configMapRef?: { readonly name: string };
    readonly secretRef?: { readonly name: string };
  }[];
  readonly env?: readonly {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: {
      readonly fieldRef?: { readonly fieldPath: string };
      readonly configMapKeyRef?: KeyRef;
      readonly secretKeyRef?: KeyRef;
    };
  }[];
}

/**
 * The chart's objects as `helm template` renders them (tools/src/chart): its defaults, with
 * what every installation must set (tools/src/chart/required-values.yaml).
 */
function renderChart(): readonly Rendered[] {
  const requiredValues = join(REPO_ROOT, 'tools', 'src', 'chart', 'required-values.yaml');
  const output = execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'tools', 'run.js'), 'chart-render', requiredValues],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(output) as Rendered[];
}

/** A ConfigMap's or Secret's entries as the kubelet hands them to a container. */
function entriesOf(objects: readonly Rendered[], kind: string, name: string): Environment {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`the chart renders no ${kind} ${name}`);
  const decoded = Object.entries(found.data ?? {}).map(([key, value]) => [
    key,
    kind === 'Secret' ? Buffer.from(value, 'base64').toString('utf8') : value,
  ]);
  return { ...Object.fromEntries(decoded), ...found.stringData };
}

function entryOf(objects: readonly Rendered[], kind: string, ref: KeyRef): string | undefined {
  return entriesOf(objects, kind, ref.name)[ref.key];
}

/**
 * The environment the Helm chart (deploy/helm/scale-chat, default and required values)
 * gives the service's container, with its ConfigMap and Secret references resolved and the
 * pod's name (INSTANCE_ID) as Kubernetes would make it for that Deployment.
 */
export function chartEnvironment(service: string, objects = renderChart()): Environment {
  const deployment = objects.find(
    (object) =>
      object.kind === 'Deployment' &&
      object.spec?.template?.metadata.labels['app.kubernetes.io/name'] === service,
  );
  const container = deployment?.spec?.template?.spec.containers[0];
  if (deployment === undefined || container === undefined) {
    throw new Error(`the chart renders no Deployment of ${service}`);
  }
  // A Deployment's pods are named <deployment>-<10-character hash>-<5 characters>.
  const podName = `${deployment.metadata.name}-5d8f9c7b6d-x7k2p`;
  const fromSources = (container.envFrom ?? []).map((source) =>
    source.configMapRef !== undefined
      ? entriesOf(objects, 'ConfigMap', source.configMapRef.name)
      : entriesOf(objects, 'Secret', source.secretRef?.name ?? ''),
  );
  const variables = (container.env ?? []).map(({ name, value, valueFrom }) => {
    if (value !== undefined) return [name, value];
    if (valueFrom?.fieldRef?.fieldPath === 'metadata.name') return [name, podName];
    if (valueFrom?.configMapKeyRef !== undefined) {
      return [name, entryOf(objects, 'ConfigMap', valueFrom.configMapKeyRef)];
    }
    if (valueFrom?.secretKeyRef !== undefined) {
      return [name, entryOf(objects, 'Secret', valueFrom.secretKeyRef)];
    }
    throw new Error(`${service}: ${name} comes from a source these checks do not know`);
  });
  return Object.assign({}, ...fromSources, Object.fromEntries(variables)) as Environment;
}

/**
 * The checks of a service's environment in the Helm chart, read by the service's own
 * configuration reader (the same as docker-compose.yml's): registered by each app's
 * compose-environment.spec.ts. Renders the chart once per file (the pinned Helm, built
 * into the machine's cache on first use).
 */
export function chartEnvironmentChecks(
  definition: Pick<ServiceDefinition, 'service' | 'readConfig'>,
  browserFacing: readonly string[] = [],
): void {
  let environment: Environment | undefined;
  beforeAll(() => {
    environment = chartEnvironment(definition.service);
  }, 20 * 60_000);
  deployedEnvironmentChecks(
    definition,
    () => {
      if (environment === undefined) throw new Error('the chart was not rendered');
      return environment;
    },
    browserFacing,
  );

  it('names itself after its pod (INSTANCE_ID), within what the configuration allows', () => {
    const { instanceId } = definition.readConfig(environment ?? {});
    expect(instanceId).toMatch(new RegExp(`^scale-chat-${definition.service}-`));
  });
}
