import { SERVICE_NAMES, SERVICES, type ServiceName } from '@scale-chat/contracts';
import { SERVICE_NODE_FLAGS } from '../infra';
import type { K8sObject } from './render';

/**
 * What matters in the rendered chart, each check a function from the objects to the
 * problems it finds (none: an empty list), so a spec can show both that the chart passes
 * and that a broken values file is caught.
 */

interface Probe {
  readonly httpGet?: { readonly path?: string; readonly port?: string | number };
}
interface Container {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly env?: readonly {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: unknown;
  }[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly startupProbe?: Probe;
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string | number>>;
    readonly limits?: Readonly<Record<string, string | number>>;
  };
  readonly securityContext?: {
    readonly allowPrivilegeEscalation?: boolean;
    readonly runAsNonRoot?: boolean;
  };
  readonly lifecycle?: { readonly preStop?: { readonly exec?: { readonly command?: string[] } } };
  readonly volumeMounts?: readonly {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
  }[];
}
interface PodSpec {
  readonly containers: readonly Container[];
  readonly volumes?: readonly {
    readonly name: string;
    readonly secret?: {
      readonly secretName: string;
      readonly items?: readonly { readonly key: string; readonly path: string }[];
    };
  }[];
  readonly securityContext?: { readonly runAsNonRoot?: boolean; readonly runAsUser?: number };
  readonly terminationGracePeriodSeconds?: number;
  readonly topologySpreadConstraints?: readonly unknown[];
}
export interface Workload extends K8sObject {
  readonly spec: {
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: {
      readonly metadata: { readonly labels: Readonly<Record<string, string>> };
      readonly spec: PodSpec;
    };
  };
}

const NAME_LABEL = 'app.kubernetes.io/name';
const EDGE_PORT_IN_POD = 8080;

export const deployments = (objects: readonly K8sObject[]): Workload[] =>
  objects.filter((object): object is Workload => object.kind === 'Deployment');

/** The Deployment of a component (a service of API.md, or `edge`). */
export function deploymentOf(objects: readonly K8sObject[], component: string): Workload {
  const found = deployments(objects).find(
    (deployment) => deployment.spec.template.metadata.labels[NAME_LABEL] === component,
  );
  if (found === undefined) throw new Error(`no Deployment of ${component} was rendered`);
  return found;
}

const componentOf = (deployment: Workload) =>
  deployment.spec.template.metadata.labels[NAME_LABEL] ?? deployment.metadata.name;

const isService = (component: string): component is ServiceName =>
  (SERVICE_NAMES as readonly string[]).includes(component);

function probeProblems(where: string, container: Container, expected: Record<string, string>) {
  const problems: string[] = [];
  const port = container.ports?.find((entry) => entry.name === 'http');
  for (const [kind, path] of Object.entries(expected)) {
    const probe = container[kind as 'livenessProbe'];
    if (probe?.httpGet?.path !== path) {
      problems.push(`${where}: ${kind} on ${String(probe?.httpGet?.path)}, not ${path}`);
    }
    if (probe?.httpGet?.port !== 'http' || port === undefined) {
      problems.push(`${where}: ${kind} not on the container's http port`);
    }
  }
  return problems;
}

/** Liveness on /health/live, readiness on /health, on the port of API.md. */
export function probeChecks(objects: readonly K8sObject[]): string[] {
  return deployments(objects).flatMap((deployment) => {
    const component = componentOf(deployment);
    return deployment.spec.template.spec.containers.flatMap((container) => {
      const where = `${component}/${container.name}`;
      const port = container.ports?.find((entry) => entry.name === 'http')?.containerPort;
      if (!isService(component)) {
        // The edge's own /health answers without its upstreams: alive and ready alike.
        return [
          ...probeProblems(where, container, {
            livenessProbe: '/health',
            readinessProbe: '/health',
          }),
          ...(port === EDGE_PORT_IN_POD ? [] : [`${where}: listens on ${String(port)}`]),
        ];
      }
      return [
        ...probeProblems(where, container, {
          livenessProbe: '/health/live',
          readinessProbe: '/health',
          startupProbe: '/health/live',
        }),
        ...(port === SERVICES[component].ports[0]
          ? []
          : [`${where}: listens on ${String(port)}, not ${SERVICES[component].ports[0]}`]),
      ];
    });
  });
}

/** CPU and memory requested and limited for every container. */
export function resourceChecks(objects: readonly K8sObject[]): string[] {
  return deployments(objects).flatMap((deployment) =>
    deployment.spec.template.spec.containers.flatMap((container) => {
      const where = `${componentOf(deployment)}/${container.name}`;
      return (['requests', 'limits'] as const).flatMap((kind) =>
        ['cpu', 'memory']
          .filter((resource) => container.resources?.[kind]?.[resource] === undefined)
          .map((resource) => `${where}: no ${resource} ${kind.replace(/s$/, '')}`),
      );
    }),
  );
}

/** A memory quantity of Kubernetes in MiB (Mi and Gi: what the chart's values use). */
function mebibytes(quantity: string | number | undefined): number | undefined {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (match === null) return undefined;
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/** V8's semi-space in MiB under the services' Node flags (16, V8's default, without the flag). */
const SEMI_SPACE_MIB = Number(
  /--max-semi-space-size=(\d+)/.exec(SERVICE_NODE_FLAGS.join(' '))?.[1] ?? 16,
);
/**
 * What a service's V8 heap takes beyond its old space: the young generation, three
 * semi-spaces (two, and as much for new large objects: `heap_size_limit` is the old space
 * plus this).
 */
export const YOUNG_GENERATION_MIB = 3 * SEMI_SPACE_MIB;
/** Node's own memory beside its heap (its code, libuv, TLS, the connections), roughly. */
export const NODE_NATIVE_MIB = 64;

/**
 * Every service's V8 heap within its memory limit with Node's own memory beside it:
 * `--max-old-space-size` in NODE_OPTIONS, plus the young generation of the images'
 * `--max-semi-space-size` (SERVICE_NODE_FLAGS) and NODE_NATIVE_MIB, at most the limit.
 * Left to itself V8 sizes the heap to the whole limit, and the kernel would kill the pod
 * before a collection.
 */
export function heapChecks(objects: readonly K8sObject[]): string[] {
  return deployments(objects)
    .filter((deployment) => isService(componentOf(deployment)))
    .flatMap((deployment) =>
      deployment.spec.template.spec.containers.flatMap((container) => {
        const where = `${componentOf(deployment)}/${container.name}`;
        const limit = mebibytes(container.resources?.limits?.['memory']);
        const options = container.env?.find((entry) => entry.name === 'NODE_OPTIONS')?.value;
        const heap = /--max-old-space-size=(\d+)/.exec(options ?? '')?.[1];
        if (limit === undefined) return [`${where}: no memory limit in Mi or Gi`];
        if (heap === undefined) return [`${where}: no --max-old-space-size in NODE_OPTIONS`];
        const needed = Number(heap) + YOUNG_GENERATION_MIB + NODE_NATIVE_MIB;
        return needed <= limit
          ? []
          : [
              `${where}: an old space of ${heap} MiB, a young generation of ${YOUNG_GENERATION_MIB} MiB and ${NODE_NATIVE_MIB} MiB of Node's own in a limit of ${limit} MiB`,
            ];
      }),
    );
}

/** Every image at a fixed tag: never `latest`, never none. */
export function imageChecks(objects: readonly K8sObject[]): string[] {
  return deployments(objects).flatMap((deployment) =>
    deployment.spec.template.spec.containers
      .filter((container) => {
        const tag = /:([^:/@]+)$/.exec(container.image ?? '')?.[1];
        return tag === undefined || tag === 'latest';
      })
      .map((container) => `${componentOf(deployment)}: image ${String(container.image)}`),
  );
}

/** Pods as a numeric non-root user, without privilege escalation. */
export function securityChecks(objects: readonly K8sObject[]): string[] {
  return deployments(objects).flatMap((deployment) => {
    const pod = deployment.spec.template.spec;
    const component = componentOf(deployment);
    const problems: string[] = [];
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${component}: not runAsNonRoot`);
    if (!((pod.securityContext?.runAsUser ?? 0) > 0)) {
      problems.push(`${component}: no numeric non-root runAsUser`);
    }
    for (const container of pod.containers) {
      if (container.securityContext?.allowPrivilegeEscalation !== false) {
        problems.push(`${component}/${container.name}: may escalate privileges`);
      }
    }
    return problems;
  });
}

interface DisruptionBudget extends K8sObject {
  readonly spec: {
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly unhealthyPodEvictionPolicy?: string;
  };
}

/**
 * Every Deployment has a PodDisruptionBudget that selects its pods, and every budget lets
 * an unready pod be evicted (`unhealthyPodEvictionPolicy: AlwaysAllow`): readiness follows
 * the database and Kafka, so while one is away every pod is unready, and the default
 * policy would refuse every eviction and hang node drains.
 */
export function disruptionBudgetChecks(objects: readonly K8sObject[]): string[] {
  const budgets = objects.filter(
    (object): object is DisruptionBudget => object.kind === 'PodDisruptionBudget',
  );
  const uncovered = deployments(objects)
    .filter((deployment) => {
      const labels = deployment.spec.template.metadata.labels;
      return !budgets.some((budget) =>
        Object.entries(budget.spec.selector.matchLabels).every(
          ([key, value]) => labels[key] === value,
        ),
      );
    })
    .map((deployment) => `${componentOf(deployment)}: no PodDisruptionBudget`);
  const holdingUnready = budgets
    .filter((budget) => budget.spec.unhealthyPodEvictionPolicy !== 'AlwaysAllow')
    .map(
      (budget) =>
        `${budget.metadata.name}: unhealthyPodEvictionPolicy ${String(budget.spec.unhealthyPodEvictionPolicy)}, not AlwaysAllow`,
    );
  return [...uncovered, ...holdingUnready];
}

/**
 * SIGKILL only after the preStop pause and the process's own shutdown limit
 * (SHUTDOWN_TIMEOUT_MS of the shared ConfigMap) have both run out.
 */
export function terminationChecks(objects: readonly K8sObject[]): string[] {
  const shutdownSeconds =
    Number(
      objects
        .filter((object) => object.kind === 'ConfigMap')
        .map((object) => (object as { data?: Record<string, string> }).data ?? {})
        .find((data) => 'SHUTDOWN_TIMEOUT_MS' in data)?.['SHUTDOWN_TIMEOUT_MS'] ?? NaN,
    ) / 1000;
  return deployments(objects).flatMap((deployment) => {
    const pod = deployment.spec.template.spec;
    const pause = Number(pod.containers[0]?.lifecycle?.preStop?.exec?.command?.[1] ?? NaN);
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    return Number.isFinite(pause) && grace > pause + shutdownSeconds
      ? []
      : [
          `${componentOf(deployment)}: terminationGracePeriodSeconds ${grace} not above preStop ${pause} s + SHUTDOWN_TIMEOUT_MS ${shutdownSeconds} s`,
        ];
  });
}

/** INSTANCE_ID is the pod's own name in every service. */
export function instanceIdChecks(objects: readonly K8sObject[]): string[] {
  return deployments(objects)
    .filter((deployment) => isService(componentOf(deployment)))
    .filter((deployment) => {
      const variable = deployment.spec.template.spec.containers[0]?.env?.find(
        (entry) => entry.name === 'INSTANCE_ID',
      );
      return (
        JSON.stringify(variable?.valueFrom) !==
        JSON.stringify({ fieldRef: { fieldPath: 'metadata.name' } })
      );
    })
    .map((deployment) => `${componentOf(deployment)}: INSTANCE_ID is not the pod's name`);
}

/** The gateways and the edge spread over nodes and zones. */
export function topologyChecks(objects: readonly K8sObject[]): string[] {
  return ['chat-gateway', 'edge']
    .filter(
      (component) =>
        (deploymentOf(objects, component).spec.template.spec.topologySpreadConstraints ?? [])
          .length === 0,
    )
    .map((component) => `${component}: no topology spread`);
}

/** A Kubernetes label selector (an empty one selects everything). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }[];
}
interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string };
}
export interface NetworkPolicy extends K8sObject {
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly {
      readonly from?: readonly PolicyPeer[];
      readonly ports?: readonly { readonly protocol?: string; readonly port?: number | string }[];
    }[];
  };
}

const INSTANCE_LABEL = 'app.kubernetes.io/instance';

/** Whether a label selector selects these labels (In, NotIn, Exists, DoesNotExist). */
export function selects(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>>,
): boolean {
  return (
    Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value) &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      switch (operator) {
        case 'In':
          return value !== undefined && values.includes(value);
        case 'NotIn':
          return value === undefined || !values.includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return false;
      }
    })
  );
}

export const networkPolicies = (objects: readonly K8sObject[]): NetworkPolicy[] =>
  objects.filter((object): object is NetworkPolicy => object.kind === 'NetworkPolicy');

/** The policies that restrict who reaches pods of these labels (policyTypes defaults to Ingress). */
const ingressPoliciesOf = (objects: readonly K8sObject[], labels: Record<string, string>) =>
  networkPolicies(objects).filter(
    (policy) =>
      (policy.spec.policyTypes ?? ['Ingress']).includes('Ingress') &&
      selects(policy.spec.podSelector, labels),
  );

const isEmptySelector = (selector: LabelSelector | undefined) =>
  Object.keys(selector?.matchLabels ?? {}).length === 0 &&
  (selector?.matchExpressions ?? []).length === 0;

const hostOf = (url: string) => {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
};

/**
 * The release's services that call each component over HTTP, with the variable that says
 * so: a service whose environment holds a URL naming another's Service (AUTH_JWKS_URL).
 */
export function httpCallers(objects: readonly K8sObject[]): Map<string, Map<string, string>> {
  const componentByService = new Map(
    objects
      .filter((object) => object.kind === 'Service')
      .map((object) => {
        const selector = (object as { spec?: { selector?: Record<string, string> } }).spec
          ?.selector;
        return [object.metadata.name, selector?.[NAME_LABEL]] as const;
      }),
  );
  const callers = new Map<string, Map<string, string>>();
  for (const deployment of deployments(objects)) {
    const caller = componentOf(deployment);
    if (!isService(caller)) continue;
    for (const variable of deployment.spec.template.spec.containers.flatMap((c) => c.env ?? [])) {
      // A URL, or a comma-separated list of them (SOCKET_ALLOWED_ORIGINS).
      for (const url of (variable.value ?? '').split(',').filter((v) => /^https?:\/\//.test(v))) {
        const callee = componentByService.get(hostOf(url).split('.')[0] ?? '');
        if (callee === undefined || callee === caller) continue;
        callers.set(
          callee,
          (callers.get(callee) ?? new Map<string, string>()).set(caller, variable.name),
        );
      }
    }
  }
  return callers;
}

/** The problems of one service's ingress rules, and the release's components they admit. */
function serviceIngress(
  objects: readonly K8sObject[],
  deployment: Workload,
): { problems: string[]; admitted: Set<string> } {
  const component = componentOf(deployment);
  const labels = deployment.spec.template.metadata.labels;
  const port = deployment.spec.template.spec.containers[0]?.ports?.find(
    (entry) => entry.name === 'http',
  )?.containerPort;
  const problems: string[] = [];
  const admitted = new Set<string>();
  for (const policy of ingressPoliciesOf(objects, labels)) {
    const where = `${component}: NetworkPolicy ${policy.metadata.name}`;
    if ((policy.spec.policyTypes ?? []).includes('Egress')) {
      problems.push(`${where} restricts its egress (PostgreSQL, Kafka, DNS)`);
    }
    for (const rule of policy.spec.ingress ?? []) {
      const ports = rule.ports ?? [];
      const onPortAlone =
        ports.length === 1 &&
        (ports[0]?.port === port || ports[0]?.port === 'http') &&
        (ports[0]?.protocol ?? 'TCP') === 'TCP';
      if (!onPortAlone) {
        problems.push(`${where} admits ports ${JSON.stringify(ports)}, not ${String(port)} alone`);
      }
      const peers = rule.from ?? [];
      if (peers.length === 0) problems.push(`${where} admits every source`);
      for (const peer of peers) {
        if (peer.ipBlock !== undefined || peer.namespaceSelector !== undefined) {
          // A peer of another namespace or range: networkPolicy.metricsFrom.
          const everyone =
            ['0.0.0.0/0', '::/0'].includes(peer.ipBlock?.cidr ?? '') ||
            (peer.namespaceSelector !== undefined &&
              isEmptySelector(peer.namespaceSelector) &&
              isEmptySelector(peer.podSelector));
          if (everyone) problems.push(`${where} admits every pod of the cluster`);
          continue;
        }
        const selector = peer.podSelector ?? {};
        if (selector.matchLabels?.[INSTANCE_LABEL] !== labels[INSTANCE_LABEL]) {
          problems.push(`${where} admits pods of the namespace beyond the release's`);
        }
        for (const other of deployments(objects)) {
          if (selects(selector, other.spec.template.metadata.labels)) {
            admitted.add(componentOf(other));
          }
        }
      }
    }
  }
  return { problems, admitted };
}

/**
 * Each service's pods reachable on their port alone, by the release's edge pods, the
 * release's services that call it (httpCallers) and peers outside the namespace
 * (networkPolicy.metricsFrom: Prometheus), never by every pod; no policy on their egress.
 * The edge, the entry, restricted by none: it takes connections from anywhere.
 */
export function networkPolicyChecks(objects: readonly K8sObject[]): string[] {
  const callers = httpCallers(objects);
  return deployments(objects).flatMap((deployment) => {
    const component = componentOf(deployment);
    const labels = deployment.spec.template.metadata.labels;
    if (!isService(component)) {
      return (
        ingressPoliciesOf(objects, labels)
          // An empty rule (no `from`, no `ports`) admits every source on every port.
          .filter(
            (policy) =>
              !(policy.spec.ingress ?? []).some(
                (rule) => (rule.from ?? []).length === 0 && (rule.ports ?? []).length === 0,
              ),
          )
          .map(
            (policy) => `${component}: NetworkPolicy ${policy.metadata.name} restricts the entry`,
          )
      );
    }
    if (ingressPoliciesOf(objects, labels).length === 0) {
      return [`${component}: no NetworkPolicy restricts who reaches it`];
    }
    const { problems: found, admitted } = serviceIngress(objects, deployment);
    const expected = new Map([
      ['edge', 'the entry'],
      ...(callers.get(component) ?? new Map<string, string>()),
    ]);
    for (const [peer, why] of expected) {
      if (!admitted.has(peer)) found.push(`${component}: does not admit ${peer} (${why})`);
    }
    for (const peer of admitted) {
      if (!expected.has(peer)) found.push(`${component}: admits ${peer}, which does not call it`);
    }
    return found;
  });
}

export const CHART_CHECKS = {
  probes: probeChecks,
  resources: resourceChecks,
  heap: heapChecks,
  images: imageChecks,
  security: securityChecks,
  'disruption budgets': disruptionBudgetChecks,
  termination: terminationChecks,
  'instance ids': instanceIdChecks,
  'topology spread': topologyChecks,
  'network policies': networkPolicyChecks,
} as const;
