import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  EDGE_PORT,
  EDGE_READ_TIMEOUT_MS,
  SAGA_WAIT_MAX_MS,
  SERVICE_KEEP_ALIVE_TIMEOUT_MS,
  SERVICES,
} from '@scale-chat/contracts';
import { NAMESPACE, renderChart, REQUIRED_VALUES, type K8sObject } from './chart/render';
import {
  checkEdgeConfig,
  COMPOSE_EDGE_TEMPLATE,
  EDGE_CONFIG,
  ensureHelm,
  renderComposeEdge,
  renderTemplate,
  REPO_ROOT,
  sayAs,
} from './infra';
import {
  directiveArgs,
  edgeUpstream,
  edgeUpstreams,
  stickinessProblems,
  upstreamServers,
} from './infra/edge-upstreams';

const localConfig = readFileSync(EDGE_CONFIG, 'utf8');
const routes = readFileSync(join(REPO_ROOT, 'nginx', 'includes', 'edge-routes.conf'), 'utf8');

/** The `server host:port` lines of one upstream block. */
function upstreamPorts(name: string): number[] {
  const block = new RegExp(`upstream ${name} \\{([^}]*)\\}`).exec(localConfig)?.[1] ?? '';
  return [...block.matchAll(/server 127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
}

/** The values docker-compose.yml gives the compose edge's template. */
function composeEdgeValues(): Record<string, string> {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: { edge: { environment: Record<string, string> } } };
  return compose.services.edge.environment;
}

/**
 * The compose edge rendered with the values docker-compose.yml gives its template; the
 * compose host names resolve only inside compose, so here they stand for 127.0.0.1, and
 * the access log (the container's stdout there) is a file of the tools' nginx prefix.
 */
function renderComposeEdgeForCheck(): string {
  const values = Object.fromEntries(
    Object.entries(composeEdgeValues()).map(([name, value]) => [
      name,
      value.replace(/^[a-z-]+:/, '127.0.0.1:'),
    ]),
  );
  return renderComposeEdge({ ...values, EDGE_ACCESS_LOG: 'logs/compose-check-access.log' });
}

/** The compose edge's configuration as the container renders it (compose's host names). */
const composeConfig = renderTemplate(readFileSync(COMPOSE_EDGE_TEMPLATE, 'utf8'), {
  ...composeEdgeValues(),
  EDGE_ACCESS_LOG: '/dev/stdout',
});

/** The chart's objects with its defaults (and the values every installation must set). */
let chartObjects: K8sObject[] = [];
/** The Kubernetes edge's nginx.conf as the chart renders it. */
let kubernetesConfig = '';

// The first run on a machine builds Helm from source: minutes on two cores.
beforeAll(async () => {
  await ensureHelm(sayAs('helm'));
  chartObjects = await renderChart([REQUIRED_VALUES]);
  const edge = chartObjects.find(
    (object) => object.kind === 'ConfigMap' && object.metadata.name === 'scale-chat-edge',
  ) as { data: { 'nginx.conf': string } } | undefined;
  kubernetesConfig = edge?.data['nginx.conf'] ?? '';
}, 20 * 60_000);

/** Each environment's edge configuration, rendered (Kubernetes's once beforeAll has run). */
const ENVIRONMENTS: Readonly<Record<string, () => string>> = {
  'the local stack': () => localConfig,
  'docker-compose': () => composeConfig,
  Kubernetes: () => kubernetesConfig,
};
const configOf = (environment: string): string => ENVIRONMENTS[environment]?.() ?? '';

/**
 * How much earlier than a service the edge must close an idle connection: nginx starts
 * counting once it has read an answer, the service once it has written it, and a busy
 * edge may run its timers late.
 */
const KEEP_ALIVE_MARGIN_MS = 10_000;

/**
 * The proxied sockets (a WebSocket or a long-poll: two connections each, the client's and
 * the gateway's) each edge worker is sized for (docs/deployment.md, "Scale"): on
 * Kubernetes as many as the edge pod's memory limit holds (below), in compose, which sets
 * the edge no memory limit, twice as many.
 */
const SOCKETS_PER_WORKER: Readonly<Record<string, number>> = {
  'docker-compose': 8_000,
  Kubernetes: 4_000,
};

/**
 * What a proxied socket costs the edge: 18 KiB measured in an nginx worker (4,000
 * WebSockets through nginx, each having sent and received a message: the worker's resident
 * memory grew by 71 MB), and an allowance for the kernel's two TCP sockets.
 */
const EDGE_BYTES_PER_SOCKET = 24 * 1024;
/** An nginx worker's own memory before any connection (its connection tables included). */
const EDGE_BYTES_PER_WORKER = 12 * 1024 * 1024;
/** Of the edge pod's memory limit, what its sockets may take; the rest is for requests in flight (gzip, bodies). */
const EDGE_MEMORY_FOR_SOCKETS = 0.9;

/** Bytes of a Kubernetes quantity (`256Mi`, `1Gi`). */
function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`not a quantity this check reads: ${quantity}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * unit;
}

/** A number the configuration sets once at its top level (`worker_connections 16384;`). */
function topLevelNumber(config: string, directive: string): number | undefined {
  const match = new RegExp(`^\\s*${directive}\\s+(\\d+);`, 'm').exec(config);
  return match ? Number(match[1]) : undefined;
}

/** An nginx time in milliseconds (`30s`, `500ms`, `1m`; a bare number is milliseconds). */
function nginxMs(time: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(time);
  if (!match) throw new Error(`not an nginx time this check reads: ${time}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * unit;
}

describe('the edge configurations', () => {
  it('passes nginx -t: the local stack', async () => {
    await expect(checkEdgeConfig(() => undefined)).resolves.toBeUndefined();
  });

  it('passes nginx -t: docker-compose (rendered from its template)', async () => {
    await expect(
      checkEdgeConfig(() => undefined, renderComposeEdgeForCheck()),
    ).resolves.toBeUndefined();
  });

  it('listens where API.md says and sends each upstream to the ports of API.md', () => {
    expect(localConfig).toContain(`listen 127.0.0.1:${EDGE_PORT};`);
    expect(upstreamPorts('auth')).toEqual(SERVICES.auth.ports);
    expect(upstreamPorts('chat_gateway')).toEqual(SERVICES['chat-gateway'].ports);
    expect(upstreamPorts('saga_orchestrator')).toEqual(SERVICES['saga-orchestrator'].ports);
    expect(upstreamPorts('log_consumer')).toEqual(SERVICES['log-consumer'].ports);
  });

  it.each([
    ['/api/auth/', 'auth'],
    ['/api/users', 'auth'],
    ['/api/rooms', 'chat_gateway'],
    ['/api/messages/', 'chat_gateway'],
    ['/socket.io/', 'chat_gateway'],
    ['/api/stats/', 'log_consumer'],
  ])('routes %s to %s', (path, upstream) => {
    expect(routes).toMatch(
      new RegExp(
        `location ${path.replace(/[./]/g, '\\$&')} \\{[^}]*proxy_pass http://${upstream};`,
      ),
    );
  });

  it('waits for an answer longer than any saga wait the services accept', () => {
    const proxy = readFileSync(join(REPO_ROOT, 'nginx', 'includes', 'proxy.conf'), 'utf8');
    expect(proxy).toContain(`proxy_read_timeout ${EDGE_READ_TIMEOUT_MS / 1000}s;`);
    expect(SAGA_WAIT_MAX_MS).toBeLessThan(EDGE_READ_TIMEOUT_MS);
  });

  it('rate-limits /api/auth/ and the readiness checks, keeps sockets open for long, logs JSON', () => {
    expect(routes).toMatch(/location \/api\/auth\/ \{[^}]*limit_req zone=auth_api/);
    expect(routes).toMatch(/location \/health\/ \{[^}]*limit_req zone=health/);
    expect(routes).toMatch(/location \/socket\.io\/ \{[^}]*proxy_read_timeout 1h;/);
    expect(localConfig).toMatch(/access_log \S+ json;/);
  });

  it('lets the page connect to its own origin alone in docker-compose (no gateway is published)', () => {
    expect(readFileSync(COMPOSE_EDGE_TEMPLATE, 'utf8')).toMatch(
      /map \$host \$csp_connect_src \{\s*default "'self'";\s*\}/,
    );
  });

  it.each(Object.keys(ENVIRONMENTS))(
    'keeps every request of a Socket.IO session on one gateway: %s',
    (environment) => {
      const gateways = edgeUpstream(configOf(environment), 'chat_gateway');
      expect(upstreamServers(gateways)).not.toHaveLength(0);
      expect(stickinessProblems(gateways, '$chat_route_key')).toEqual([]);
    },
  );

  it("finds the Kubernetes gateways by the SRV records of the headless Service's port http", () => {
    const [server] = upstreamServers(edgeUpstream(kubernetesConfig, 'chat_gateway'));
    expect(server?.address).toBe(`scale-chat-chat-gateway-pods.${NAMESPACE}.svc.cluster.local`);
    expect(server?.params.get('service')).toBe('http');
    // Without it, nginx takes the records' weights: CoreDNS's 100 / (number of pods).
    expect(Number(server?.params.get('weight'))).toBeGreaterThan(1);
    const headless = chartObjects.find(
      (object) =>
        object.kind === 'Service' && object.metadata.name === 'scale-chat-chat-gateway-pods',
    ) as { spec: { clusterIP: string; ports: { name: string }[] } } | undefined;
    expect(headless?.spec.clusterIP).toBe('None');
    expect(headless?.spec.ports.map((port) => port.name)).toContain('http');
  });

  it.each(Object.keys(ENVIRONMENTS))(
    'closes an idle connection to a service well before the service would: %s',
    (environment) => {
      const pooled = edgeUpstreams(configOf(environment)).filter(
        (upstream) => directiveArgs(upstream, 'keepalive') !== undefined,
      );
      expect(pooled.map((upstream) => upstream.name).sort()).toEqual([
        'auth',
        'chat_gateway',
        'log_consumer',
        'saga_orchestrator',
      ]);
      // nginx's own default is 60 s.
      const tooLong = pooled
        .map((upstream) => [
          upstream.name,
          directiveArgs(upstream, 'keepalive_timeout')?.[0] ?? '60s',
        ])
        .filter(
          ([, timeout]) =>
            nginxMs(timeout ?? '') > SERVICE_KEEP_ALIVE_TIMEOUT_MS - KEEP_ALIVE_MARGIN_MS,
        );
      expect(tooLong).toEqual([]);
    },
  );

  it.each(['docker-compose', 'Kubernetes'])(
    'gives each worker connections for its sockets and descriptors for its connections: %s',
    (environment) => {
      const config = configOf(environment);
      const connections = topLevelNumber(config, 'worker_connections') ?? 0;
      // The idle connections each worker keeps for reuse count too.
      const pools = edgeUpstreams(config).reduce(
        (sum, upstream) => sum + Number(directiveArgs(upstream, 'keepalive')?.[0] ?? 0),
        0,
      );
      expect(connections).toBeGreaterThanOrEqual(
        2 * (SOCKETS_PER_WORKER[environment] ?? Infinity) + pools,
      );
      // One descriptor per connection, and one more for each static file being sent.
      expect(topLevelNumber(config, 'worker_rlimit_nofile')).toBeGreaterThanOrEqual(
        2 * connections,
      );
    },
  );

  it("holds as many sockets as its workers accept within the Kubernetes edge's memory limit", () => {
    const workers = topLevelNumber(kubernetesConfig, 'worker_processes') ?? 0;
    const sockets = (topLevelNumber(kubernetesConfig, 'worker_connections') ?? 0) / 2;
    const edge = chartObjects.find(
      (object) => object.kind === 'Deployment' && object.metadata.name === 'scale-chat-edge',
    ) as
      | {
          spec: {
            template: { spec: { containers: { resources: { limits: { memory: string } } }[] } };
          };
        }
      | undefined;
    const limit = quantityBytes(
      edge?.spec.template.spec.containers[0]?.resources.limits.memory ?? '0',
    );
    expect(workers).toBeGreaterThan(0);
    expect(workers * (EDGE_BYTES_PER_WORKER + sockets * EDGE_BYTES_PER_SOCKET)).toBeLessThanOrEqual(
      EDGE_MEMORY_FOR_SOCKETS * limit,
    );
  });

  it.each(Object.values(SERVICES).map((service) => [service.edgeHealthPath]))(
    'exposes %s',
    (path) => {
      expect(routes).toContain(`location = ${path} `);
    },
  );
});
