import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES, SERVICES } from '@scale-chat/contracts';
import { checkEdgeConfig, ensureHelm, REPO_ROOT, sayAs, writeEdgeConfig } from '../infra';
import {
  CHART_CHECKS,
  deploymentOf,
  heapChecks,
  probeChecks,
  resourceChecks,
} from './chart-checks';
import { parse } from 'yaml';
import {
  CHART_DIR,
  lintChart,
  NAMESPACE,
  PRODUCTION_VALUES,
  renderChart,
  REQUIRED_VALUES,
  validateObjects,
  type K8sObject,
} from './render';
import { CHART_TOPICS_FILE, chartTopicsText, contractTopics } from './topics';

/** The edge's nginx.conf as the chart renders it. */
function edgeConfigText(objects: readonly K8sObject[]): string {
  const config = objects.find(
    (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-edge',
  ) as { data: { 'nginx.conf': string } } | undefined;
  return config?.data['nginx.conf'] ?? '';
}

/**
 * The edge's rendered nginx.conf as this machine's nginx can check it: its names resolve
 * only in a cluster, so they stand for 127.0.0.1, and `resolve` (nginx 1.27.3, the edge
 * image's 1.28) is left out for an older nginx; the access log goes to a file.
 */
function edgeConfigForCheck(objects: readonly K8sObject[]): string {
  const text = edgeConfigText(objects)
    .replace(/server [a-z0-9.-]+:(\d+) resolve /g, 'server 127.0.0.1:$1 ')
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

describe.each([
  ['the default values (and the required ones)', [REQUIRED_VALUES]],
  ['the production-like values', [PRODUCTION_VALUES]],
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

  it('sends the edge to the gateway pods through a headless Service that nginx resolves again', () => {
    const headless = objects.find(
      (object) => object.metadata.name === 'scale-chat-chat-gateway-pods',
    );
    expect(headless).toMatchObject({ kind: 'Service', spec: { clusterIP: 'None' } });
    const edgeConfig = objects.find(
      (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-edge',
    ) as { data: { 'nginx.conf': string } } | undefined;
    const port = SERVICES['chat-gateway'].ports[0];
    expect(edgeConfig?.data['nginx.conf']).toMatch(
      new RegExp(
        `server scale-chat-chat-gateway-pods\\.${NAMESPACE}\\.svc\\.cluster\\.local:${port} resolve `,
      ),
    );
    expect(edgeConfig?.data['nginx.conf']).toMatch(/^\s*resolver \S+ valid=\d+s/m);
  });

  it("names every upstream in full, as nginx's resolver uses no search domains", () => {
    const servers = [...edgeConfigText(objects).matchAll(/^\s*server (\S+):\d+ resolve /gm)].map(
      (match) => match[1] ?? '',
    );
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

  it('sizes each heap at three quarters of its memory limit', async () => {
    const objects = await renderWithDefaults();
    const heapOf = (service: string) =>
      deploymentOf(objects, service).spec.template.spec.containers[0]?.env?.find(
        (entry) => entry.name === 'NODE_OPTIONS',
      )?.value;
    // 384Mi and 512Mi in values.yaml.
    expect(heapOf('auth')).toBe('--max-old-space-size=288');
    expect(heapOf('chat-gateway')).toBe('--max-old-space-size=384');
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
