import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  SAGA_COMMAND_TOPICS,
  SERVICE_NAMES,
  SERVICES,
  type ServiceName,
} from '@scale-chat/contracts';
import { checkEdgeConfig, ensureHelm, REPO_ROOT, sayAs, writeEdgeConfig } from '../infra';
import {
  CHART_CHECKS,
  deploymentOf,
  disruptionBudgetChecks,
  heapChecks,
  networkPolicies,
  networkPolicyChecks,
  NODE_NATIVE_MIB,
  probeChecks,
  resourceChecks,
  selects,
  YOUNG_GENERATION_MIB,
} from './chart-checks';
import { parse } from 'yaml';
import {
  CHART_DIR,
  lintChart,
  NAMESPACE,
  PRODUCTION_VALUES,
  renderChart,
  renderNotes,
  REQUIRED_VALUES,
  validateObjects,
  type K8sObject,
} from './render';
import { CHART_TOPICS_FILE, chartTopicsText, contractTopics } from './topics';
import { alertRuleGroups } from '../observability/alert-rules';

/** The edge's nginx.conf as the chart renders it. */
function edgeConfigText(objects: readonly K8sObject[]): string {
  const config = objects.find(
    (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-edge',
  ) as { data: { 'nginx.conf': string } } | undefined;
  return config?.data['nginx.conf'] ?? '';
}

/**
 * The edge's rendered nginx.conf as this machine's nginx can check it: its names resolve
 * only in a cluster, so they stand for 127.0.0.1, and `resolve` and `service=` (nginx
 * 1.27.3, the edge image's 1.28) are left out for an older nginx (the gateways' SRV line
 * has no port: the gateway's stands in); the access log goes to a file.
 */
function edgeConfigForCheck(objects: readonly K8sObject[]): string {
  const text = edgeConfigText(objects)
    .replace(/server [a-z0-9.-]+:(\d+) resolve /g, 'server 127.0.0.1:$1 ')
    .replace(
      /server [a-z0-9.-]+ service=\w+ resolve /g,
      `server 127.0.0.1:${SERVICES['chat-gateway'].ports[0]} `,
    )
    .replace(/^(\s*)resolver \S+/m, '$1resolver 127.0.0.1')
    .replace('access_log /dev/stdout', 'access_log logs/helm-check-access.log');
  return writeEdgeConfig('helm', text);
}

const broken = (name: string) => join(__dirname, 'broken-values', `${name}.yaml`);
/** The chart's defaults with what every installation must set, and then `valuesFiles`. */
const renderWithDefaults = (...valuesFiles: string[]) =>
  renderChart([REQUIRED_VALUES, ...valuesFiles]);
const named = (objects: readonly K8sObject[], kind: string) =>
  objects.filter((object) => object.kind === kind).map((object) => object.metadata.name);

// The first run on a machine builds Helm from source: minutes on two cores.
beforeAll(() => ensureHelm(sayAs('helm')), 20 * 60_000);

const EXISTING_CLUSTER_SECURITY = join(__dirname, 'existing-cluster-security-values.yaml');

describe.each([
  ['the default values (and the required ones)', [REQUIRED_VALUES]],
  ['the production-like values (Strimzi with TLS and SCRAM-SHA-512)', [PRODUCTION_VALUES]],
  [
    'an existing Kafka over TLS with a client certificate and SASL',
    [REQUIRED_VALUES, EXISTING_CLUSTER_SECURITY],
  ],
])('deploy/helm/scale-chat with %s', (_label, valuesFiles) => {
  let objects: K8sObject[] = [];

  beforeAll(async () => {
    objects = await renderChart(valuesFiles);
  });

  it('passes helm lint --strict', async () => {
    await expect(lintChart(valuesFiles)).resolves.toMatch(/0 chart\(s\) failed/);
  });

  it('renders only objects valid against their Kubernetes API schemas', () => {
    const results = validateObjects(objects);
    expect(results).toHaveLength(objects.length);
    expect(results.filter((result) => result.error !== null)).toEqual([]);
  });

  it('renders a Deployment, a Service and a PodDisruptionBudget per service, and the edge', () => {
    const names = [...SERVICE_NAMES, 'edge'].map((name) => `scale-chat-${name}`);
    expect(named(objects, 'Deployment').sort()).toEqual([...names].sort());
    expect(named(objects, 'PodDisruptionBudget').sort()).toEqual([...names].sort());
    expect(named(objects, 'Service')).toEqual(expect.arrayContaining(names));
  });

  it('lets a node drain evict unready pods under every PodDisruptionBudget', () => {
    // Readiness follows the database and Kafka: in their outage every pod is unready.
    const budgets = objects.filter((object) => object.kind === 'PodDisruptionBudget');
    expect(budgets).toHaveLength(SERVICE_NAMES.length + 1);
    for (const budget of budgets)
      expect(budget).toMatchObject({
        apiVersion: 'policy/v1',
        spec: { unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      });
  });

  it.each(Object.entries(CHART_CHECKS))('has no problem of %s', (_check, check) => {
    expect(check(objects)).toEqual([]);
  });

  it('autoscales chat-gateway on CPU, from at least two pods', () => {
    const [autoscaler] = objects.filter((object) => object.kind === 'HorizontalPodAutoscaler');
    expect(autoscaler).toMatchObject({
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'scale-chat-chat-gateway' },
        metrics: expect.arrayContaining([
          expect.objectContaining({
            type: 'Resource',
            resource: expect.objectContaining({ name: 'cpu' }),
          }),
        ]),
      },
    });
    const spec = (autoscaler as unknown as { spec: { minReplicas: number } }).spec;
    expect(spec.minReplicas).toBeGreaterThanOrEqual(2);
    // The HPA owns the gateways' replica count: a fixed one would fight it on every upgrade.
    expect(deploymentOf(objects, 'chat-gateway').spec).not.toHaveProperty('replicas');
  });

  it("renders an edge configuration nginx -t accepts beside the image's includes", async () => {
    await expect(
      checkEdgeConfig(() => undefined, edgeConfigForCheck(objects)),
    ).resolves.toBeUndefined();
  });

  it("sends the edge to the gateway pods by the SRV records of a headless Service's port http", () => {
    const headless = objects.find(
      (object) => object.metadata.name === 'scale-chat-chat-gateway-pods',
    );
    expect(headless).toMatchObject({
      kind: 'Service',
      spec: { clusterIP: 'None', ports: [expect.objectContaining({ name: 'http' })] },
    });
    const edgeConfig = objects.find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-edge',
    ) as { data: { 'nginx.conf': string } } | undefined;
    expect(edgeConfig?.data['nginx.conf']).toMatch(
      new RegExp(
        `server scale-chat-chat-gateway-pods\\.${NAMESPACE}\\.svc\\.cluster\\.local service=http resolve `,
      ),
    );
    expect(edgeConfig?.data['nginx.conf']).toMatch(/^\s*resolver \S+ valid=\d+s/m);
  });

  it("names every upstream in full, as nginx's resolver uses no search domains", () => {
    const servers = [
      ...edgeConfigText(objects).matchAll(
        /^\s*server ([^\s:]+)(?::\d+)? (?:service=\w+ )?resolve /gm,
      ),
    ].map((match) => match[1] ?? '');
    expect(servers).toHaveLength(4);
    expect(servers.filter((name) => !name.endsWith(`.${NAMESPACE}.svc.cluster.local`))).toEqual([]);
  });

  it('sizes nginx by the value, not by the node', () => {
    expect(edgeConfigText(objects)).toMatch(/^worker_processes 2;$/m);
  });

  it('lets the page connect to its own origin alone (no gateway is reachable from outside)', () => {
    expect(edgeConfigText(objects)).toMatch(
      /map \$host \$csp_connect_src \{\s*default "'self'";\s*\}/,
    );
  });
});

describe('the edge behind an Ingress (edge.trustedProxies)', () => {
  it("takes the client's address from the proxies' X-Forwarded-For, and nginx -t accepts it", async () => {
    const objects = await renderWithDefaults(join(__dirname, 'behind-ingress-values.yaml'));
    const text = edgeConfigText(objects);
    expect(text).toMatch(/^\s*set_real_ip_from 10\.0\.0\.0\/8;$/m);
    expect(text).toMatch(/^\s*set_real_ip_from 192\.168\.0\.0\/16;$/m);
    expect(text).toMatch(/^\s*real_ip_header X-Forwarded-For;$/m);
    await expect(
      checkEdgeConfig(() => undefined, edgeConfigForCheck(objects)),
    ).resolves.toBeUndefined();
  });

  it('trusts no forwarded address by default', async () => {
    expect(edgeConfigText(await renderWithDefaults())).not.toMatch(/real_ip/);
  });
});

describe('whose X-Forwarded-For the services believe (config.trustProxy)', () => {
  it('has no default: the chart refuses to render until it is set, saying what to set', async () => {
    await expect(renderChart([])).rejects.toThrow(
      /config\.trustProxy: set it to the addresses the edge pods connect from/,
    );
  });

  it('refuses uniquelocal, the old default: every private address, so every pod', async () => {
    await expect(renderWithDefaults(broken('trust-every-private-address'))).rejects.toThrow(
      /config\.trustProxy: uniquelocal is every private address/,
    );
  });

  it('gives every service the range it names', async () => {
    const config = (await renderWithDefaults()).find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-env',
    ) as { data: Record<string, string> } | undefined;
    expect(config?.data['TRUST_PROXY']).toBe('10.250.0.0/24');
  });

  it("annotates the edge's pods alone with edge.podAnnotations (their IP pool)", async () => {
    const objects = await renderChart([PRODUCTION_VALUES]);
    const annotationsOf = (component: string) =>
      (
        deploymentOf(objects, component).spec.template.metadata as {
          annotations?: Record<string, string>;
        }
      ).annotations ?? {};
    const pool = 'cni.projectcalico.org/ipv4pools';
    expect(annotationsOf('edge')).toHaveProperty([pool]);
    expect(SERVICE_NAMES.filter((service) => pool in annotationsOf(service))).toEqual([]);
  });
});

describe("auth's signing key in the chart and its docs", () => {
  it('is generated as a key auth signs ES256 tokens with', async () => {
    const objects = await renderWithDefaults();
    const secret = objects.find(
      (object) =>
        object.kind === 'Secret' && object.metadata.name === 'scale-chat-auth-signing-key',
    ) as { data: Record<string, string> } | undefined;
    const pem = Buffer.from(secret?.data['signing-key.pem'] ?? '', 'base64').toString();
    // What auth's signingKeyFromPem requires (libs/access-tokens): an EC P-256 key.
    const key = createPrivateKey(pem);
    expect([key.asymmetricKeyType, key.asymmetricKeyDetails?.namedCurve]).toEqual([
      'ec',
      'prime256v1',
    ]);
  });

  it.each(['docs/deployment.md', 'README.md'])(
    'asks for an EC P-256 key in every openssl command of %s',
    (path) => {
      const commands = readFileSync(join(REPO_ROOT, path), 'utf8').match(/openssl genpkey[^\n]*/g);
      expect(commands?.length).toBeGreaterThan(0);
      expect(
        commands?.filter(
          (command) => !/-algorithm EC -pkeyopt ec_paramgen_curve:P-256/.test(command),
        ),
      ).toEqual([]);
    },
  );
});

/** The `--max-old-space-size` of a service's NODE_OPTIONS, in MiB. */
function heapOf(objects: readonly K8sObject[], service: string): number | undefined {
  const options = deploymentOf(objects, service).spec.template.spec.containers[0]?.env?.find(
    (entry) => entry.name === 'NODE_OPTIONS',
  )?.value;
  const heap = /--max-old-space-size=(\d+)/.exec(options ?? '')?.[1];
  return heap === undefined ? undefined : Number(heap);
}

/** Each service Deployment's checksum/config annotation, by service. */
function configChecksums(objects: readonly K8sObject[]): Record<string, string | undefined> {
  return Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      (
        deploymentOf(objects, service).spec.template.metadata as {
          annotations?: Record<string, string>;
        }
      ).annotations?.['checksum/config'],
    ]),
  );
}

describe("the service pods' checksum/config", () => {
  const signingKeyOf = (objects: readonly K8sObject[]) =>
    (
      objects.find(
        (object) =>
          object.kind === 'Secret' && object.metadata.name === 'scale-chat-auth-signing-key',
      ) as { data: Record<string, string> } | undefined
    )?.data['signing-key.pem'];

  it('is the same in every `helm template` of the same values, though the generated key is not', async () => {
    // As Argo CD renders: no cluster to look the kept key up in, so each render makes one.
    const [first, second] = await Promise.all([renderWithDefaults(), renderWithDefaults()]);
    expect(signingKeyOf(first)).not.toBe(signingKeyOf(second));
    const checksums = configChecksums(first);
    expect(new Set(Object.values(checksums)).size).toBe(1);
    expect(Object.values(checksums)[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(configChecksums(second)).toEqual(checksums);
  });

  it.each([
    ['a setting of the ConfigMap', 'config.logLevel=debug'],
    ["a service's DATABASE_URL in the chart's Secret", 'database.urls.auth=postgres://a@b:5432/c'],
  ])('changes with %s, so the pods roll', async (_change, set) => {
    const [before, after] = await Promise.all([
      renderWithDefaults(),
      renderChart([REQUIRED_VALUES], [set]),
    ]);
    expect(configChecksums(after)['auth']).not.toBe(configChecksums(before)['auth']);
  });
});

describe('deploy/helm/scale-chat against broken values', () => {
  it('fails the probe check when liveness is on the readiness path', async () => {
    const objects = await renderWithDefaults(broken('probe-path'));
    expect(probeChecks(objects)).toContain('auth/auth: livenessProbe on /health, not /health/live');
  });

  it('fails the heap check when NODE_OPTIONS gives no heap limit', async () => {
    const objects = await renderWithDefaults();
    const withoutHeap = objects.map((object) =>
      object.kind === 'Deployment' && object.metadata.name === 'scale-chat-auth'
        ? (JSON.parse(
            JSON.stringify(object).replace(/--max-old-space-size=\d+/, '--enable-source-maps'),
          ) as K8sObject)
        : object,
    );
    expect(heapChecks(withoutHeap)).toEqual(['auth/auth: no --max-old-space-size in NODE_OPTIONS']);
  });

  it('sizes each heap so that it and Node fit in the memory limit', async () => {
    const objects = await renderWithDefaults();
    // 384Mi and 512Mi in values.yaml: three quarters of the limit less the young
    // generation (3 × 32 MiB) and Node's own 64 MiB.
    expect(heapOf(objects, 'auth')).toBe(168);
    expect(heapOf(objects, 'chat-gateway')).toBe(264);
  });

  it.each(['256Mi', '320Mi', '384Mi', '512Mi', '768Mi', '1Gi', '4Gi'])(
    'keeps the old space, the young generation and Node within a %s limit',
    async (memory) => {
      const objects = await renderChart(
        [REQUIRED_VALUES],
        [`services.auth.resources.limits.memory=${memory}`],
      );
      const limit = Number.parseInt(memory, 10) * (memory.endsWith('Gi') ? 1024 : 1);
      const heap = heapOf(objects, 'auth') ?? NaN;
      expect(heap + YOUNG_GENERATION_MIB + NODE_NATIVE_MIB).toBeLessThanOrEqual(limit);
      // Three quarters of what is left after them: the rest is for Buffers off the heap.
      expect(heap).toBeGreaterThanOrEqual(
        Math.floor(((limit - YOUNG_GENERATION_MIB - NODE_NATIVE_MIB) * 3) / 4),
      );
      expect(heapChecks(objects)).toEqual([]);
    },
  );

  it('refuses a memory limit too small for a Node service, naming the service and the minimum', async () => {
    await expect(
      renderChart([REQUIRED_VALUES], ['services.log-consumer.resources.limits.memory=192Mi']),
    ).rejects.toThrow(
      /services\.log-consumer\.resources\.limits\.memory 192Mi is too small for a Node service: give it at least 256Mi/,
    );
  });

  it("fails the heap check on an old space that leaves no room for the young generation and Node's own memory", async () => {
    const objects = (await renderWithDefaults()).map((object) =>
      object.kind === 'Deployment' && object.metadata.name === 'scale-chat-auth'
        ? (JSON.parse(
            // Three quarters of the whole 384Mi, as the chart sized it before.
            JSON.stringify(object).replace(/--max-old-space-size=\d+/, '--max-old-space-size=288'),
          ) as K8sObject)
        : object,
    );
    expect(heapChecks(objects)).toEqual([
      "auth/auth: an old space of 288 MiB, a young generation of 96 MiB and 64 MiB of Node's own in a limit of 384 MiB",
    ]);
  });

  it('fails the disruption budget check on a budget that holds unready pods (the default policy)', async () => {
    const objects = (await renderWithDefaults()).map((object) =>
      object.kind === 'PodDisruptionBudget' && object.metadata.name === 'scale-chat-auth'
        ? (JSON.parse(
            JSON.stringify(object).replace('"AlwaysAllow"', '"IfHealthyBudget"'),
          ) as K8sObject)
        : object,
    );
    expect(disruptionBudgetChecks(objects)).toEqual([
      'scale-chat-auth: unhealthyPodEvictionPolicy IfHealthyBudget, not AlwaysAllow',
    ]);
  });

  it('fails the resource check when a limit is missing', async () => {
    const objects = await renderWithDefaults(broken('no-resource-limit'));
    expect(resourceChecks(objects)).toEqual([
      'auth/auth: no cpu limit',
      'auth/auth: no memory limit',
    ]);
  });

  it('fails the schema validation on an invalid object', async () => {
    const objects = await renderWithDefaults(broken('invalid-object'));
    const invalid = validateObjects(objects).filter((result) => result.error !== null);
    expect(invalid).toEqual([
      { kind: 'Deployment', name: 'scale-chat-edge', error: expect.stringMatching(/replicas/) },
    ]);
  });

  it('refuses a memory limit that is no whole number of Mi or Gi, as the heap is sized from it', async () => {
    await expect(renderWithDefaults(broken('fractional-memory'))).rejects.toThrow(
      /whole number of Mi or Gi .* got 1.5Gi/,
    );
  });

  it('refuses a kafka.groupPrefix the services would refuse (no separator before their name)', async () => {
    await expect(renderWithDefaults(broken('group-prefix-without-separator'))).rejects.toThrow(
      /kafka.groupPrefix must end in '.', '-' or '_'/,
    );
  });

  it('refuses to render the latest tag', async () => {
    await expect(renderWithDefaults(broken('latest-tag'))).rejects.toThrow(
      /image.tag must be a fixed version/,
    );
  });
});

/** Every value's dotted path, a service's name under a per-service table standing as `<service>`. */
function valuePaths(values: unknown, prefix = ''): string[] {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return [prefix];
  const entries = Object.entries(values);
  if (entries.length === 0) return [prefix];
  return entries.flatMap(([key, value]) => {
    const perService = prefix === 'services' || prefix === 'database.urls';
    const name =
      perService && (SERVICE_NAMES as readonly string[]).includes(key) ? '<service>' : key;
    return valuePaths(value, prefix === '' ? name : `${prefix}.${name}`);
  });
}

describe("the chart's README", () => {
  it('documents every value of values.yaml (a documented value covers those under it)', () => {
    const readme = readFileSync(join(CHART_DIR, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Values'));
    const documented = [...table.matchAll(/^\| ([^|]+)\|/gm)].flatMap((row) =>
      [...(row[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? ''),
    );
    const values = parse(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as unknown;
    const undocumented = [...new Set(valuePaths(values))].filter(
      (path) => !documented.some((name) => path === name || path.startsWith(`${name}.`)),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('the Strimzi topics of the chart', () => {
  it('are the topics of libs/contracts (node tools/run.js chart-topics writes them)', () => {
    expect(readFileSync(CHART_TOPICS_FILE, 'utf8')).toBe(chartTopicsText());
  });

  it('are rendered as KafkaTopics with three replicas and two in sync', async () => {
    const objects = await renderChart([PRODUCTION_VALUES]);
    const topics = objects.filter((object) => object.kind === 'KafkaTopic') as unknown as {
      spec: {
        topicName: string;
        partitions: number;
        replicas: number;
        config: Record<string, unknown>;
      };
    }[];
    expect(topics.map((topic) => [topic.spec.topicName, topic.spec.partitions])).toEqual(
      contractTopics().map((topic) => [topic.name, topic.partitions]),
    );
    for (const topic of topics) {
      expect(topic.spec).toMatchObject({ replicas: 3, config: { 'min.insync.replicas': 2 } });
    }
  });
});

describe('the alert rules of the chart (metrics.prometheusRule)', () => {
  const rules = (objects: readonly K8sObject[]) =>
    objects.filter((object) => object.kind === 'PrometheusRule');

  it("renders files/prometheus-alerts.yaml, compose's rules, as a PrometheusRule, valid against its schema", async () => {
    const [rule, ...more] = rules(await renderChart([PRODUCTION_VALUES]));
    expect(more).toEqual([]);
    expect(rule).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      metadata: { name: 'scale-chat', labels: { release: 'prometheus' } },
    });
    // The same groups, the alerts' {{ $labels }} and {{ $value }} left to Prometheus.
    expect((rule as unknown as { spec: { groups: unknown } }).spec.groups).toEqual(
      alertRuleGroups(),
    );
    expect(validateObjects(rule === undefined ? [] : [rule])).toEqual([
      { kind: 'PrometheusRule', name: 'scale-chat', error: null },
    ]);
  });

  it('renders none by default', async () => {
    expect(rules(await renderWithDefaults())).toEqual([]);
  });
});

describe("the Strimzi cluster's listener", () => {
  it("lets only the release's services reach it", async () => {
    const objects = await renderChart([PRODUCTION_VALUES]);
    const kafka = objects.find((object) => object.kind === 'Kafka') as unknown as
      { spec: { kafka: { listeners: { networkPolicyPeers?: unknown }[] } } } | undefined;
    expect(kafka?.spec.kafka.listeners).toHaveLength(1);
    expect(kafka?.spec.kafka.listeners[0]?.networkPolicyPeers).toEqual([
      {
        podSelector: {
          matchLabels: { 'app.kubernetes.io/instance': 'scale-chat' },
          matchExpressions: [
            { key: 'app.kubernetes.io/name', operator: 'In', values: [...SERVICE_NAMES].sort() },
          ],
        },
      },
    ]);
    // Each service's pods carry what the peers select; the edge's do not.
    for (const name of SERVICE_NAMES)
      expect(deploymentOf(objects, name).spec.template.metadata.labels).toMatchObject({
        'app.kubernetes.io/instance': 'scale-chat',
        'app.kubernetes.io/name': name,
      });
  });
});

describe("the services' NetworkPolicies (networkPolicy)", () => {
  let objects: K8sObject[] = [];
  beforeAll(async () => {
    objects = await renderWithDefaults();
  });
  const podLabelsOf = (component: string) =>
    deploymentOf(objects, component).spec.template.metadata.labels;
  /** The release's pods a same-namespace podSelector peer selects, by component. */
  const componentsSelectedBy = (selector: Parameters<typeof selects>[0]) =>
    [...SERVICE_NAMES, 'edge'].filter((component) => selects(selector, podLabelsOf(component)));
  // Every other service fetches auth's JWKS (AUTH_JWKS_URL); no service calls another.
  const callersOf = (service: string) =>
    service === 'auth' ? SERVICE_NAMES.filter((name) => name !== 'auth') : [];

  it.each(SERVICE_NAMES)(
    "selects %s's pods by a policy admitting its port alone, from the edge and the services that call it",
    (service) => {
      const policies = networkPolicies(objects).filter((policy) =>
        selects(policy.spec.podSelector, podLabelsOf(service)),
      );
      expect(policies.map((policy) => policy.metadata.name)).toEqual([`scale-chat-${service}`]);
      const [policy] = policies;
      // Ingress alone: the services' egress (PostgreSQL, Kafka, DNS) stays open.
      expect(policy?.spec.policyTypes).toEqual(['Ingress']);
      expect(policy?.spec.ingress).toHaveLength(1);
      const [rule] = policy?.spec.ingress ?? [];
      expect(rule?.ports).toEqual([{ protocol: 'TCP', port: SERVICES[service].ports[0] }]);
      expect(rule?.from).toHaveLength(1);
      const [peer] = rule?.from ?? [];
      // Same namespace (no namespaceSelector), the release's pods alone.
      expect(Object.keys(peer ?? {})).toEqual(['podSelector']);
      expect(peer?.podSelector?.matchLabels).toEqual({
        'app.kubernetes.io/instance': 'scale-chat',
      });
      expect(componentsSelectedBy(peer?.podSelector ?? {}).sort()).toEqual(
        ['edge', ...callersOf(service)].sort(),
      );
      // Another release's pods of the same names, in the same namespace, are not admitted.
      expect(
        selects(peer?.podSelector ?? {}, {
          ...podLabelsOf('edge'),
          'app.kubernetes.io/instance': 'other',
        }),
      ).toBe(false);
    },
  );

  it('admits to auth every service whose environment calls it (AUTH_JWKS_URL), and no other', () => {
    for (const service of SERVICE_NAMES.filter((name) => name !== 'auth')) {
      const env = deploymentOf(objects, service).spec.template.spec.containers[0]?.env ?? [];
      expect(env.find((entry) => entry.name === 'AUTH_JWKS_URL')?.value).toBe(
        `http://scale-chat-auth:${SERVICES.auth.ports[0]}/api/auth/jwks`,
      );
    }
    expect(networkPolicyChecks(objects)).toEqual([]);
  });

  it("leaves the edge's pods unrestricted, while every service's are: the entry takes connections from anywhere", () => {
    const selecting = (component: string) =>
      networkPolicies(objects).filter((policy) =>
        selects(policy.spec.podSelector, podLabelsOf(component)),
      );
    expect(SERVICE_NAMES.filter((service) => selecting(service).length === 0)).toEqual([]);
    expect(selecting('edge')).toEqual([]);
  });

  it('renders policies valid against the Kubernetes API schema', () => {
    const policies = networkPolicies(objects);
    expect(policies).toHaveLength(SERVICE_NAMES.length);
    expect(validateObjects(policies)).toEqual(
      policies.map((policy) => ({
        kind: 'NetworkPolicy',
        name: policy.metadata.name,
        error: null,
      })),
    );
  });

  it("admits production-values.yaml's metrics peers (Prometheus's namespace) to every service's port", async () => {
    const production = await renderChart([PRODUCTION_VALUES]);
    const policies = networkPolicies(production);
    expect(policies).toHaveLength(SERVICE_NAMES.length);
    expect(validateObjects(policies).filter((result) => result.error !== null)).toEqual([]);
    for (const policy of policies)
      expect(policy.spec.ingress?.[0]?.from).toEqual([
        expect.objectContaining({ podSelector: expect.anything() }),
        { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
      ]);
    expect(networkPolicyChecks(production)).toEqual([]);
  });

  it('refuses PodMonitors with no metrics peer, which Prometheus could not scrape through the policies', async () => {
    await expect(renderWithDefaults(broken('pod-monitor-without-metrics-peers'))).rejects.toThrow(
      /networkPolicy\.metricsFrom is empty while metrics\.podMonitor\.enabled: the services' NetworkPolicies would keep Prometheus from scraping \/metrics/,
    );
  });

  it('renders none with networkPolicy.enabled false (PodMonitors then need no peers)', async () => {
    const without = await renderChart(
      [REQUIRED_VALUES, broken('pod-monitor-without-metrics-peers')],
      ['networkPolicy.enabled=false'],
    );
    expect(named(without, 'NetworkPolicy')).toEqual([]);
    expect(named(without, 'PodMonitor')).toHaveLength(SERVICE_NAMES.length);
  });

  describe('fails the network policy check', () => {
    const changed = (name: string, change: (text: string) => string) =>
      objects.map((object) =>
        object.kind === 'NetworkPolicy' && object.metadata.name === name
          ? (JSON.parse(change(JSON.stringify(object))) as K8sObject)
          : object,
      );

    it('on a service no policy selects', () => {
      const without = objects.filter(
        (object) =>
          object.metadata.name !== 'scale-chat-log-consumer' || object.kind !== 'NetworkPolicy',
      );
      expect(networkPolicyChecks(without)).toEqual([
        'log-consumer: no NetworkPolicy restricts who reaches it',
      ]);
    });

    it('on a policy admitting a service that does not call it, or leaving out one that does', () => {
      expect(
        networkPolicyChecks(
          changed('scale-chat-saga-orchestrator', (text) =>
            text.replace('["edge"]', '["edge","chat-gateway"]'),
          ),
        ),
      ).toEqual(['saga-orchestrator: admits chat-gateway, which does not call it']);
      expect(
        networkPolicyChecks(
          changed('scale-chat-auth', (text) => text.replace(',"log-consumer"', '')),
        ),
      ).toEqual(['auth: does not admit log-consumer (AUTH_JWKS_URL)']);
    });

    it('on a rule admitting every port, every source, or every pod of the namespace', () => {
      expect(
        networkPolicyChecks(
          changed('scale-chat-auth', (text) => text.replace(/"ports":\[[^\]]*\],/, '')),
        ),
      ).toEqual(['auth: NetworkPolicy scale-chat-auth admits ports [], not 3001 alone']);
      expect(
        networkPolicyChecks(
          changed('scale-chat-chat-gateway', (text) =>
            text.replace(/"from":\[.*\]\}\]/, '"from":[]}]'),
          ),
        ),
      ).toEqual([
        'chat-gateway: NetworkPolicy scale-chat-chat-gateway admits every source',
        'chat-gateway: does not admit edge (the entry)',
      ]);
      expect(
        networkPolicyChecks(
          changed('scale-chat-chat-gateway', (text) =>
            text.replace('"matchLabels":{"app.kubernetes.io/instance":"scale-chat"},', ''),
          ),
        ),
      ).toEqual([
        "chat-gateway: NetworkPolicy scale-chat-chat-gateway admits pods of the namespace beyond the release's",
      ]);
    });

    it("on a policy restricting the services' egress or the edge", () => {
      const edgePolicy = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'scale-chat-edge' },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'edge' } },
          policyTypes: ['Ingress'],
          ingress: [{ ports: [{ port: 8080 }] }],
        },
      };
      expect(
        networkPolicyChecks([
          ...changed('scale-chat-auth', (text) =>
            text.replace('"policyTypes":["Ingress"]', '"policyTypes":["Ingress","Egress"]'),
          ),
          edgePolicy,
        ]),
      ).toEqual([
        'edge: NetworkPolicy scale-chat-edge restricts the entry',
        'auth: NetworkPolicy scale-chat-auth restricts its egress (PostgreSQL, Kafka, DNS)',
      ]);
    });
  });
});

describe('a release sharing its Kafka cluster (kafka.topicPrefix, groupPrefix, socketIoTopic)', () => {
  it("names every topic and consumer group of its own, the gateways' topic included", async () => {
    const objects = await renderWithDefaults(join(__dirname, 'shared-cluster-values.yaml'));
    const envOf = (service: string) =>
      Object.fromEntries(
        (deploymentOf(objects, service).spec.template.spec.containers[0]?.env ?? []).map(
          (entry) => [entry.name, entry.value],
        ),
      );
    for (const service of SERVICE_NAMES)
      expect(envOf(service)).toMatchObject({ KAFKA_GROUP_PREFIX: `staging.${service}` });
    expect(envOf('chat-gateway')).toMatchObject({ SOCKET_IO_TOPIC: 'staging-socketio.events' });
    const topics = objects
      .filter((object) => object.kind === 'KafkaTopic')
      .map((object) => (object as unknown as { spec: { topicName: string } }).spec.topicName);
    expect(topics).toContain('staging-socketio.events');
    expect(topics.filter((name) => !name.startsWith('staging'))).toEqual([]);
  });

  it('leaves every name as it was when none of the three is set (an upgrade renames nothing)', async () => {
    const objects = await renderWithDefaults();
    const env = deploymentOf(objects, 'chat-gateway').spec.template.spec.containers[0]?.env ?? [];
    expect(env.map((entry) => entry.name)).not.toContain('KAFKA_GROUP_PREFIX');
    expect(env.map((entry) => entry.name)).not.toContain('SOCKET_IO_TOPIC');
  });
});

/** A service's KAFKA_TLS* and KAFKA_SASL_* variables, each its value or where it comes from. */
function kafkaSecurityEnvOf(objects: readonly K8sObject[], service: string) {
  const env = deploymentOf(objects, service).spec.template.spec.containers[0]?.env ?? [];
  return Object.fromEntries(
    env
      .filter((entry) => /^KAFKA_(TLS|SASL)/.test(entry.name))
      .map((entry) => [entry.name, entry.value ?? entry.valueFrom]),
  );
}

/**
 * The files a service's container reads from Secrets through read-only mounts, each path
 * with its `<secret>/<key>` (a writable mount, or a volume of another kind, gives none).
 */
function secretFilesOf(objects: readonly K8sObject[], service: string): Record<string, string> {
  const pod = deploymentOf(objects, service).spec.template.spec;
  return Object.fromEntries(
    (pod.containers[0]?.volumeMounts ?? []).flatMap((mount) => {
      const secret = pod.volumes?.find((volume) => volume.name === mount.name)?.secret;
      if (mount.readOnly !== true || secret === undefined) return [];
      return (secret.items ?? []).map((item) => [
        `${mount.mountPath}/${item.path}`,
        `${secret.secretName}/${item.key}`,
      ]);
    }),
  );
}

describe('TLS and SASL to Kafka (kafka.tls, kafka.sasl)', () => {
  describe("with Strimzi's Kafka, TLS and SCRAM-SHA-512 (the production-like values)", () => {
    let objects: K8sObject[] = [];
    beforeAll(async () => {
      objects = await renderChart([PRODUCTION_VALUES]);
    });
    const cluster = 'scale-chat-kafka';
    const userOf = (service: string) => `${cluster}-${service}`;

    it('leaves one listener, TLS on 9093 with SCRAM-SHA-512, and the services its only peers', () => {
      const kafka = objects.find((object) => object.kind === 'Kafka') as unknown as
        { spec: { kafka: { listeners: unknown[] } } } | undefined;
      expect(kafka?.spec.kafka.listeners).toEqual([
        {
          name: 'tls',
          port: 9093,
          type: 'internal',
          tls: true,
          authentication: { type: 'scram-sha-512' },
          networkPolicyPeers: [
            expect.objectContaining({
              podSelector: expect.objectContaining({
                matchLabels: { 'app.kubernetes.io/instance': 'scale-chat' },
              }),
            }),
          ],
        },
      ]);
    });

    it("runs Strimzi's User Operator and one SCRAM-SHA-512 KafkaUser per service", () => {
      const kafka = objects.find((object) => object.kind === 'Kafka') as unknown as
        { spec: { entityOperator: unknown } } | undefined;
      expect(kafka?.spec.entityOperator).toEqual({ topicOperator: {}, userOperator: {} });
      const users = objects.filter((object) => object.kind === 'KafkaUser');
      expect(users.map((user) => user.metadata.name).sort()).toEqual(
        SERVICE_NAMES.map(userOf).sort(),
      );
      for (const user of users)
        expect(user).toMatchObject({
          apiVersion: 'kafka.strimzi.io/v1beta2',
          metadata: { labels: { 'strimzi.io/cluster': cluster } },
          spec: { authentication: { type: 'scram-sha-512' } },
        });
    });

    it("gives the services the TLS listener's bootstrap address", () => {
      const config = objects.find(
        (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-env',
      ) as { data: Record<string, string> } | undefined;
      expect(config?.data['KAFKA_BROKERS']).toBe(`${cluster}-kafka-bootstrap:9093`);
      expect(Object.keys(config?.data ?? {}).filter((key) => key.startsWith('KAFKA_SASL'))).toEqual(
        [],
      );
    });

    it.each(SERVICE_NAMES)(
      "mounts Strimzi's cluster CA read-only into %s as its KAFKA_TLS_CA_FILE",
      (service) => {
        const env = kafkaSecurityEnvOf(objects, service);
        expect(env['KAFKA_TLS']).toBe('true');
        expect(secretFilesOf(objects, service)[String(env['KAFKA_TLS_CA_FILE'])]).toBe(
          `${cluster}-cluster-ca-cert/ca.crt`,
        );
      },
    );

    it.each(SERVICE_NAMES)(
      "gives %s its KafkaUser's name and the password from the User Operator's Secret",
      (service) => {
        expect(kafkaSecurityEnvOf(objects, service)).toMatchObject({
          KAFKA_SASL_MECHANISM: 'scram-sha-512',
          KAFKA_SASL_USERNAME: userOf(service),
          KAFKA_SASL_PASSWORD: { secretKeyRef: { name: userOf(service), key: 'password' } },
        });
      },
    );

    it.each(SERVICE_NAMES)('gives %s these settings alone', (service) => {
      expect(Object.keys(kafkaSecurityEnvOf(objects, service)).sort()).toEqual([
        'KAFKA_SASL_MECHANISM',
        'KAFKA_SASL_PASSWORD',
        'KAFKA_SASL_USERNAME',
        'KAFKA_TLS',
        'KAFKA_TLS_CA_FILE',
      ]);
    });
  });

  describe('with an existing cluster (kafka.brokers)', () => {
    let objects: K8sObject[] = [];
    beforeAll(async () => {
      objects = await renderWithDefaults(EXISTING_CLUSTER_SECURITY);
    });

    it.each(SERVICE_NAMES)(
      "mounts the operator's CA and client certificate read-only into %s as its KAFKA_TLS_*_FILE",
      (service) => {
        const env = kafkaSecurityEnvOf(objects, service);
        const files = secretFilesOf(objects, service);
        expect(env['KAFKA_TLS']).toBe('true');
        expect(
          ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'].map(
            (name) => files[String(env[name])],
          ),
        ).toEqual([
          'kafka-brokers-ca/ca.pem',
          'kafka-client-cert/tls.crt',
          'kafka-client-cert/tls.key',
        ]);
      },
    );

    it.each(SERVICE_NAMES)(
      "gives %s its user and password from kafka.sasl.existingSecret's <service>-username and -password",
      (service) => {
        expect(kafkaSecurityEnvOf(objects, service)).toMatchObject({
          KAFKA_SASL_MECHANISM: 'scram-sha-256',
          KAFKA_SASL_USERNAME: {
            secretKeyRef: { name: 'kafka-users', key: `${service}-username` },
          },
          KAFKA_SASL_PASSWORD: {
            secretKeyRef: { name: 'kafka-users', key: `${service}-password` },
          },
        });
      },
    );

    it("trusts the system's CAs when no CA Secret is named", async () => {
      const tlsOnly = await renderWithDefaults(join(__dirname, 'existing-cluster-tls-values.yaml'));
      for (const service of SERVICE_NAMES) {
        expect(kafkaSecurityEnvOf(tlsOnly, service)).toEqual({ KAFKA_TLS: 'true' });
        expect(secretFilesOf(tlsOnly, service)).toEqual({});
      }
    });
  });

  it('gives no Kafka TLS or SASL setting, volume or user by default', async () => {
    const objects = await renderWithDefaults();
    for (const service of SERVICE_NAMES) {
      expect(kafkaSecurityEnvOf(objects, service)).toEqual({});
      const pod = deploymentOf(objects, service).spec.template.spec;
      expect(pod.volumes?.map((volume) => volume.name)).toEqual(
        service === 'auth' ? ['tmp', 'signing-keys'] : ['tmp'],
      );
    }
    expect(named(objects, 'KafkaUser')).toEqual([]);
  });

  it.each([
    [
      'strimzi-scram-sha-256',
      /kafka\.sasl\.mechanism scram-sha-256: a Strimzi listener authenticates SASL users by scram-sha-512 alone/,
    ],
    [
      'strimzi-with-existing-secret',
      /kafka\.sasl\.existingSecret are for an existing cluster .*leave them empty/,
    ],
    [
      'sasl-without-existing-secret',
      /kafka\.sasl\.mechanism scram-sha-512 needs kafka\.sasl\.existingSecret/,
    ],
    [
      'sasl-plain-without-tls',
      /kafka\.sasl\.mechanism plain sends each password as it is: set kafka\.tls\.enabled/,
    ],
    [
      'sasl-unknown-mechanism',
      /kafka\.sasl\.mechanism must be plain, scram-sha-256 or scram-sha-512 .*got "SCRAM-SHA-512"/,
    ],
    [
      'ca-secret-without-tls',
      /kafka\.tls\.caSecret\.name and kafka\.tls\.clientCertSecret take effect only with kafka\.tls\.enabled/,
    ],
  ])('refuses to render broken-values/%s.yaml, saying why', async (file, message) => {
    await expect(renderWithDefaults(broken(file))).rejects.toThrow(message);
  });
});

/** A Strimzi ACL rule as the chart renders it (KafkaUser spec.authorization.acls). */
interface AclRule {
  readonly resource: {
    readonly type: 'topic' | 'group' | 'cluster' | 'transactionalId';
    readonly name?: string;
    readonly patternType?: 'literal' | 'prefix';
  };
  readonly operations: readonly string[];
}

/** Kafka's implied operations: Describe by Read, Write, Delete and Alter; DescribeConfigs by AlterConfigs. */
const IMPLIED: Readonly<Record<string, readonly string[]>> = {
  Describe: ['Read', 'Write', 'Delete', 'Alter'],
  DescribeConfigs: ['AlterConfigs'],
};

/** Whether `acls` let their user do `operation` on the named topic or group, as Kafka decides. */
function allows(
  acls: readonly AclRule[],
  operation: string,
  type: 'topic' | 'group',
  name: string,
): boolean {
  return acls.some(({ resource, operations }) => {
    if (resource.type !== type || resource.name === undefined) return false;
    const matches =
      resource.patternType === 'prefix'
        ? name.startsWith(resource.name)
        : resource.name === name || resource.name === '*';
    return (
      matches &&
      (operations.includes(operation) ||
        operations.includes('All') ||
        (IMPLIED[operation] ?? []).some((implying) => operations.includes(implying)))
    );
  });
}

/** Each service's KafkaUser ACLs (undefined: its user has no `authorization`). */
function aclsOf(objects: readonly K8sObject[]): Record<string, AclRule[] | undefined> {
  return Object.fromEntries(
    objects
      .filter((object) => object.kind === 'KafkaUser')
      .map((user) => {
        const spec = user['spec'] as { authorization?: { type: string; acls: AclRule[] } };
        return [user.metadata.name.replace(/^scale-chat-kafka-/, ''), spec.authorization?.acls];
      }),
  );
}

const kafkaAuthorizationOf = (objects: readonly K8sObject[]) =>
  (
    objects.find((object) => object.kind === 'Kafka') as
      { spec: { kafka: { authorization?: unknown } } } | undefined
  )?.spec.kafka.authorization;

const topicRule = (name: string, ...operations: string[]): AclRule => ({
  resource: { type: 'topic', name, patternType: 'literal' },
  operations: ['Describe', 'DescribeConfigs', ...operations],
});
const groupRule = (name: string): AclRule => ({
  resource: { type: 'group', name, patternType: 'literal' },
  operations: ['Describe', 'Read'],
});

/**
 * What each service's code does with Kafka (files/kafka-access.yaml says where), as ACLs
 * of the production-like values: its outbox relay's topics (Write), its consumer groups'
 * (Read), the groups themselves, and the gateways' Socket.IO topic and per-pod groups.
 */
const EXPECTED_ACLS: Readonly<Record<ServiceName, readonly AclRule[]>> = {
  auth: [
    topicRule('auth.logins', 'Write'),
    topicRule('auth.users', 'Write'),
    topicRule('saga.auth-commands', 'Read'),
    topicRule('saga.replies', 'Write'),
    topicRule('saga.requests', 'Write'),
    groupRule('auth.saga-participant'),
  ],
  'chat-gateway': [
    topicRule('auth.logins', 'Read'),
    topicRule('chat.room-events', 'Write'),
    topicRule('saga.chat-commands', 'Read'),
    topicRule('saga.replies', 'Write'),
    topicRule('saga.requests', 'Write'),
    topicRule('socketio.events', 'Read', 'Write'),
    groupRule('chat-gateway.login-revocations'),
    groupRule('chat-gateway.saga-participant'),
    {
      resource: {
        type: 'group',
        name: 'socketio.events-scale-chat-chat-gateway-',
        patternType: 'prefix',
      },
      operations: ['Delete', 'Describe', 'Read'],
    },
  ],
  'saga-orchestrator': [
    topicRule('auth.logins', 'Read'),
    topicRule('saga.auth-commands', 'Write'),
    topicRule('saga.chat-commands', 'Write'),
    topicRule('saga.replies', 'Read'),
    topicRule('saga.requests', 'Read'),
    groupRule('saga-orchestrator.login-revocations'),
    groupRule('saga-orchestrator.orchestrator'),
  ],
  'log-consumer': [
    topicRule('auth.logins', 'Read'),
    topicRule('auth.users', 'Read'),
    topicRule('chat.room-events', 'Read'),
    groupRule('log-consumer.event-log'),
    groupRule('log-consumer.login-revocations'),
  ],
};

/** The topics and groups of one service's ACLs, by what it may do with them. */
function accessOf(acls: readonly AclRule[]) {
  const names = (type: 'topic' | 'group', operation: string) =>
    acls
      .filter((rule) => rule.resource.type === type && rule.operations.includes(operation))
      .map((rule) => rule.resource.name ?? '')
      .sort();
  return {
    writes: names('topic', 'Write'),
    reads: names('topic', 'Read'),
    groups: names('group', 'Read'),
  };
}

describe('Kafka authorization (kafka.authorization)', () => {
  describe("with Strimzi's Kafka and SCRAM-SHA-512 users (the production-like values)", () => {
    let objects: K8sObject[] = [];
    beforeAll(async () => {
      objects = await renderChart([PRODUCTION_VALUES]);
    });

    it("turns on Kafka's simple authorization, with no super user but Strimzi's own", () => {
      expect(kafkaAuthorizationOf(objects)).toEqual({ type: 'simple' });
    });

    it.each(SERVICE_NAMES)(
      "gives %s's KafkaUser exactly the ACLs of what its code does, and no more",
      (service) => {
        const user = objects.find(
          (object) =>
            object.kind === 'KafkaUser' && object.metadata.name === `scale-chat-kafka-${service}`,
        );
        expect((user?.['spec'] as { authorization?: unknown } | undefined)?.authorization).toEqual({
          type: 'simple',
          acls: EXPECTED_ACLS[service],
        });
      },
    );

    it('lets no service write a topic it only reads: the log-consumer writes nothing', () => {
      const acls = aclsOf(objects);
      const logConsumer = acls['log-consumer'] ?? [];
      expect(allows(logConsumer, 'Read', 'topic', 'chat.room-events')).toBe(true);
      for (const topic of [...contractTopics().map((each) => each.name)])
        expect([topic, allows(logConsumer, 'Write', 'topic', topic)]).toEqual([topic, false]);
      // Each topic has its one writer of the contracts, or two for the saga requests and
      // replies (each initiator and participant).
      const writers = (topic: string) =>
        SERVICE_NAMES.filter((service) => allows(acls[service] ?? [], 'Write', 'topic', topic));
      expect(writers('chat.room-events')).toEqual(['chat-gateway']);
      expect(writers('auth.users')).toEqual(['auth']);
      expect(writers('auth.logins')).toEqual(['auth']);
      expect(writers('socketio.events')).toEqual(['chat-gateway']);
      expect(writers('saga.requests').sort()).toEqual(['auth', 'chat-gateway']);
      expect(writers('saga.replies').sort()).toEqual(['auth', 'chat-gateway']);
    });

    it("sends each participant's saga commands from the orchestrator alone, read by that participant alone", () => {
      const acls = aclsOf(objects);
      for (const [participant, topic] of Object.entries(SAGA_COMMAND_TOPICS)) {
        const can = (operation: string) =>
          SERVICE_NAMES.filter((service) =>
            allows(acls[service] ?? [], operation, 'topic', topic.name),
          );
        expect([topic.name, can('Write'), can('Read')]).toEqual([
          topic.name,
          ['saga-orchestrator'],
          [participant],
        ]);
        expect(
          allows(acls[participant] ?? [], 'Read', 'group', `${participant}.saga-participant`),
        ).toBe(true);
      }
    });

    it("lets each service join its own consumer groups and no other's", () => {
      const acls = aclsOf(objects);
      for (const service of SERVICE_NAMES)
        for (const other of SERVICE_NAMES)
          for (const group of [
            'login-revocations',
            'saga-participant',
            'orchestrator',
            'event-log',
          ]) {
            const own = accessOf(EXPECTED_ACLS[service]).groups.includes(`${other}.${group}`);
            expect([
              service,
              `${other}.${group}`,
              allows(acls[service] ?? [], 'Read', 'group', `${other}.${group}`),
            ]).toEqual([service, `${other}.${group}`, own]);
          }
    });

    it('covers every topic of libs/contracts: each written by a service and read by one', () => {
      const acls = Object.values(aclsOf(objects)).flatMap((rules) => rules ?? []);
      for (const { name } of contractTopics())
        expect([
          name,
          allows(acls, 'Write', 'topic', name),
          allows(acls, 'Read', 'topic', name),
        ]).toEqual([name, true, true]);
    });

    it('names only topics the chart makes as KafkaTopics, and gives no right to create, alter or delete them', () => {
      const made = objects
        .filter((object) => object.kind === 'KafkaTopic')
        .map((object) => (object as unknown as { spec: { topicName: string } }).spec.topicName);
      for (const rule of Object.values(aclsOf(objects)).flatMap((rules) => rules ?? [])) {
        expect(['topic', 'group']).toContain(rule.resource.type);
        expect(rule.resource.name).not.toBe('*');
        if (rule.resource.type !== 'topic') continue;
        expect(made).toContain(rule.resource.name);
        expect(rule.operations).not.toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^(Create|Alter|AlterConfigs|Delete|All)$/),
          ]),
        );
      }
    });

    it("gives the gateways the Socket.IO groups of their own pods' names alone", () => {
      const gateway = aclsOf(objects)['chat-gateway'] ?? [];
      const pod = `${deploymentOf(objects, 'chat-gateway').metadata.name}-7d9f8b6c5d-x2x4z`;
      const group = `socketio.events-${pod}-0123456789abcdef`;
      for (const operation of ['Read', 'Describe', 'Delete'])
        expect(allows(gateway, operation, 'group', group)).toBe(true);
      expect(allows(gateway, 'Read', 'group', 'socketio.events-other-release-chat-gateway-1')).toBe(
        false,
      );
    });
  });

  it('names topics and groups as a release sharing its cluster does (kafka.topicPrefix, groupPrefix, socketIoTopic)', async () => {
    const objects = await renderWithDefaults(join(__dirname, 'shared-cluster-values.yaml'));
    const shared = await renderChart(
      [REQUIRED_VALUES, join(__dirname, 'shared-cluster-values.yaml')],
      ['kafka.sasl.mechanism=scram-sha-512'],
    );
    expect(aclsOf(objects)).toEqual({}); // no SASL users: nothing to authorize
    const made = shared
      .filter((object) => object.kind === 'KafkaTopic')
      .map((object) => (object as unknown as { spec: { topicName: string } }).spec.topicName);
    const acls = aclsOf(shared);
    for (const service of SERVICE_NAMES) {
      const env = Object.fromEntries(
        (deploymentOf(shared, service).spec.template.spec.containers[0]?.env ?? []).map((entry) => [
          entry.name,
          entry.value,
        ]),
      );
      const rules = acls[service] ?? [];
      const { writes, reads, groups } = accessOf(rules);
      for (const topic of [...writes, ...reads]) expect(made).toContain(topic);
      const expected = accessOf(EXPECTED_ACLS[service]);
      const prefixed = (topic: string) =>
        topic === 'socketio.events' ? 'staging-socketio.events' : `staging.${topic}`;
      expect(writes).toEqual(expected.writes.map(prefixed).sort());
      expect(reads).toEqual(expected.reads.map(prefixed).sort());
      expect(groups).toEqual(
        expected.groups
          .map((group) =>
            group.startsWith('socketio.events-')
              ? `staging-socketio.events-scale-chat-chat-gateway-`
              : `${String(env['KAFKA_GROUP_PREFIX'])}${group.slice(service.length)}`,
          )
          .sort(),
      );
    }
  });

  it('gives each topic Create when the services make the topics (kafka.strimzi.topics.enabled false)', async () => {
    const objects = await renderChart([PRODUCTION_VALUES], ['kafka.strimzi.topics.enabled=false']);
    expect(named(objects, 'KafkaTopic')).toEqual([]);
    for (const service of SERVICE_NAMES)
      expect(aclsOf(objects)[service]).toEqual(
        EXPECTED_ACLS[service].map((rule) =>
          rule.resource.type === 'topic'
            ? { ...rule, operations: ['Create', ...rule.operations] }
            : rule,
        ),
      );
  });

  it('renders neither authorization nor ACLs with kafka.authorization.enabled false', async () => {
    const objects = await renderChart([PRODUCTION_VALUES], ['kafka.authorization.enabled=false']);
    expect(kafkaAuthorizationOf(objects)).toBeUndefined();
    expect(Object.keys(aclsOf(objects)).sort()).toEqual([...SERVICE_NAMES].sort());
    expect(Object.values(aclsOf(objects))).toEqual(SERVICE_NAMES.map(() => undefined));
  });

  it('lists kafka.authorization.superUsers as the Kafka super users', async () => {
    const objects = await renderChart(
      [PRODUCTION_VALUES],
      ['kafka.authorization.superUsers={scale-chat-kafka-admin}'],
    );
    expect(kafkaAuthorizationOf(objects)).toEqual({
      type: 'simple',
      superUsers: ['scale-chat-kafka-admin'],
    });
    expect(validateObjects(objects).filter((result) => result.error !== null)).toEqual([]);
  });

  it('renders no authorization without SASL users to tell the services apart', async () => {
    const objects = await renderChart(
      [REQUIRED_VALUES],
      ['kafka.strimzi.enabled=true', 'kafka.tls.enabled=true'],
    );
    expect(kafkaAuthorizationOf(objects)).toBeUndefined();
    expect(named(objects, 'KafkaUser')).toEqual([]);
  });

  describe('with an existing cluster (kafka.brokers), in NOTES.txt', () => {
    /** NOTES.txt's `acl` (kafka-acls.sh) lines, as ACL rules by service (the comment line before them). */
    function notedAcls(notes: string): Record<string, { principal: string; rules: AclRule[] }> {
      const noted: Record<string, { principal: string; rules: AclRule[] }> = {};
      let service = '';
      for (const line of notes.split('\n')) {
        const heading = /^ {2}# (\S+)$/.exec(line);
        if (heading !== null) service = heading[1] ?? '';
        const command = /^ {2}acl --allow-principal "([^"]+)" (.*)$/.exec(line);
        if (command === null) continue;
        const rest = command[2] ?? '';
        const resource = /--(topic|group) '([^']+)'/.exec(rest);
        const rule: AclRule = {
          resource: {
            type: resource?.[1] as 'topic' | 'group',
            name: resource?.[2] ?? '',
            patternType: rest.includes('--resource-pattern-type prefixed') ? 'prefix' : 'literal',
          },
          operations: [...rest.matchAll(/--operation (\w+)/g)].map((match) => match[1] ?? ''),
        };
        const entry = (noted[service] ??= { principal: command[1] ?? '', rules: [] });
        entry.rules.push(rule);
      }
      return noted;
    }

    it("asks the operator for each SASL user's ACLs: those of the KafkaUsers, with Create", async () => {
      const [notes, strimzi] = await Promise.all([
        renderNotes([REQUIRED_VALUES, EXISTING_CLUSTER_SECURITY]),
        renderChart([PRODUCTION_VALUES], ['kafka.strimzi.topics.enabled=false']),
      ]);
      expect(notes).toContain(
        'user() { kubectl -n scale-chat get secret kafka-users -o "jsonpath={.data.$1-username}" | base64 -d; }',
      );
      const noted = notedAcls(notes);
      expect(Object.keys(noted).sort()).toEqual([...SERVICE_NAMES].sort());
      for (const service of SERVICE_NAMES) {
        expect(noted[service]?.principal).toBe(`User:$(user ${service})`);
        expect(noted[service]?.rules).toEqual(aclsOf(strimzi)[service]);
      }
      expect(
        (noted['log-consumer']?.rules ?? []).filter((rule) => rule.operations.includes('Write')),
      ).toEqual([]);
      expect(notes).toContain(
        'acl() { kafka-acls.sh --bootstrap-server kafka-0.kafka.example.internal:9093,kafka-1.kafka.example.internal:9093 --command-config admin.properties --add "$@"; }',
      );
    });

    it('says that services without SASL users cannot be told apart, and lists no ACL', async () => {
      const notes = await renderNotes([REQUIRED_VALUES]);
      expect(notes).toMatch(/the brokers see them all as User:ANONYMOUS/);
      expect(notes).not.toContain('--allow-principal');
    });

    it("says the Strimzi cluster's users are authorized, or that it has no authorization", async () => {
      const [production, plain] = await Promise.all([
        renderNotes([PRODUCTION_VALUES]),
        renderNotes([REQUIRED_VALUES], ['kafka.strimzi.enabled=true']),
      ]);
      expect(production).toMatch(/scale-chat-kafka authorizes by ACLs/);
      expect(production).not.toContain('--allow-principal');
      expect(plain).toMatch(/scale-chat-kafka has no authorization/);
    });
  });

  it("matches docs/deployment.md's table of each service's ACLs", async () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'deployment.md'), 'utf8');
    const table = doc.slice(doc.indexOf('### Kafka ACLs'));
    const rows = Object.fromEntries(
      [
        ...table.matchAll(/^\| (auth|chat-gateway|saga-orchestrator|log-consumer) +\|([^\n]*)$/gm),
      ].map((row) => {
        const cells = (row[2] ?? '').split('|').slice(0, 3);
        const names = (cell: string | undefined) =>
          [...(cell ?? '').matchAll(/`([^`]+)`/g)]
            .map((match) => (match[1] ?? '').replace('<release>', 'scale-chat'))
            .sort();
        return [
          row[1],
          { writes: names(cells[0]), reads: names(cells[1]), groups: names(cells[2]) },
        ];
      }),
    );
    const acls = aclsOf(await renderChart([PRODUCTION_VALUES]));
    expect(rows).toEqual(
      Object.fromEntries(SERVICE_NAMES.map((service) => [service, accessOf(acls[service] ?? [])])),
    );
  });
});
