import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EDGE_PORT, SERVICE_NAMES, SERVICES } from '@scale-chat/contracts';
import { COMPOSE_EDGE_TEMPLATE, REPO_ROOT, SERVICE_NODE_FLAGS, templateVariables } from './infra';

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string | number>;
  ports?: string[];
  expose?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  profiles?: string[];
  container_name?: string;
}

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as { services: Record<string, ComposeService> };
const services = compose.services;
const brokers = ['kafka-1', 'kafka-2', 'kafka-3'];

function service(name: string): ComposeService {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

const environmentOf = (name: string) => service(name).environment ?? {};
/** `[host:]hostPort:containerPort` → [hostPort, containerPort]. */
const publishedPorts = (name: string) =>
  (service(name).ports ?? []).map((entry) => entry.split(':').slice(-2).map(Number));

describe('docker-compose.yml', () => {
  describe('Kafka', () => {
    it.each(brokers.map((broker, index) => [broker, index + 1]))(
      '%s is a KRaft broker and controller with node id %i, advertised under its own name',
      (broker, nodeId) => {
        expect(environmentOf(broker)).toMatchObject({
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_NODE_ID: nodeId,
          KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${broker}:9092`,
          KAFKA_CONTROLLER_QUORUM_VOTERS: brokers
            .map((name, index) => `${index + 1}@${name}:9093`)
            .join(','),
        });
      },
    );

    it.each(brokers)(
      '%s replicates three times, acknowledges with two in sync, never elects an unclean leader',
      (broker) => {
        expect(environmentOf(broker)).toMatchObject({
          KAFKA_DEFAULT_REPLICATION_FACTOR: 3,
          KAFKA_MIN_INSYNC_REPLICAS: 2,
          KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE: 'false',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: 3,
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: 3,
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: 2,
        });
        expect(service(broker).healthcheck?.test).toBeDefined();
      },
    );
  });

  describe.each(SERVICE_NAMES)('%s', (name) => {
    const port = SERVICES[name].ports[0];

    it('listens on the port of API.md, and publishes (if at all) that same port', () => {
      expect(String(environmentOf(name)['PORT'])).toBe(String(port));
      for (const [hostPort, containerPort] of publishedPorts(name)) {
        expect([hostPort, containerPort]).toEqual([port, port]);
      }
      for (const exposed of service(name).expose ?? []) expect(Number(exposed)).toBe(port);
    });

    it('connects to all three brokers and to a database of its own', () => {
      const environment = environmentOf(name);
      expect(environment['KAFKA_BROKERS']).toBe(
        brokers.map((broker) => `${broker}:9092`).join(','),
      );
      const database = new URL(String(environment['DATABASE_URL']).replace(/\$\{[^}]*\}/g, 'x'));
      expect(database.hostname).toBe('postgres');
      expect(database.pathname).toBe(`/${SERVICES[name].schema}`);
      expect(database.username).toBe(SERVICES[name].schema);
    });

    it('starts once PostgreSQL and every broker are healthy, from an image built by its Nx target', () => {
      expect(service(name).depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        ...Object.fromEntries(brokers.map((broker) => [broker, { condition: 'service_healthy' }])),
      });
      expect(service(name).build).toMatchObject({
        dockerfile: 'deploy/docker/service.Dockerfile',
        args: { SERVICE: name },
      });
      const project = JSON.parse(
        readFileSync(join(REPO_ROOT, 'apps', name, 'project.json'), 'utf8'),
      ) as { targets: Record<string, unknown> };
      expect(project.targets['build']).toBeDefined();
    });
  });

  it('lets chat-gateway scale: no container name, no fixed host port', () => {
    expect(service('chat-gateway').container_name).toBeUndefined();
    expect(service('chat-gateway').ports).toBeUndefined();
  });

  it('publishes the edge on the port of API.md, after every service is healthy', () => {
    expect(publishedPorts('edge')).toEqual([[EDGE_PORT, EDGE_PORT]]);
    expect(service('edge').depends_on).toEqual(
      Object.fromEntries(SERVICE_NAMES.map((name) => [name, { condition: 'service_healthy' }])),
    );
  });

  it("gives the edge's template its log and each upstream: a compose service at its API.md port", () => {
    const template = readFileSync(COMPOSE_EDGE_TEMPLATE, 'utf8');
    const upstreams = Object.fromEntries(
      SERVICE_NAMES.map((name) => [
        `${name.toUpperCase().replace(/-/g, '_')}_UPSTREAM`,
        `${name}:${SERVICES[name].ports[0]}`,
      ]),
    );
    const environment = { ...upstreams, EDGE_ACCESS_LOG: '/dev/stdout' };
    expect(templateVariables(template).sort()).toEqual(Object.keys(environment).sort());
    expect(environmentOf('edge')).toEqual(environment);
  });

  it('waits for every dependency it names, each a service of this file', () => {
    for (const [name, definition] of Object.entries(services)) {
      for (const dependency of Object.keys(definition.depends_on ?? {})) {
        expect(`${name} → ${dependency}: ${String(dependency in services)}`).toBe(
          `${name} → ${dependency}: true`,
        );
      }
    }
  });

  it('runs Prometheus, Grafana and the Kafka UI only under the observability profile', () => {
    for (const name of ['prometheus', 'grafana', 'kafka-ui']) {
      expect(service(name).profiles).toEqual(['observability']);
    }
    const always = Object.entries(services).filter(([, definition]) => !definition.profiles);
    expect(always.map(([name]) => name).sort()).toEqual(
      [...brokers, 'postgres', 'auth-signing-key', ...SERVICE_NAMES, 'edge'].sort(),
    );
  });

  it("runs kafbat's maintained Kafka UI at a fixed version", () => {
    expect(service('kafka-ui').image).toMatch(/^kafbat\/kafka-ui:v\d+\.\d+\.\d+$/);
  });

  it('holds no password but development-only defaults that the environment overrides', () => {
    const text = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    const secrets = [
      ...[...text.matchAll(/PASSWORD[A-Z_]*: (\S+)$/gm)].map((match) => match[1]),
      ...[...text.matchAll(/postgres:\/\/\w+:(\S+?)@/g)].map((match) => match[1]),
    ];
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(secret).toMatch(/^\$\{[A-Z_]+:-dev-only-[a-z]+\}$/);
  });
});

describe('the Dockerfiles compose builds', () => {
  const dockerfiles = [
    ...new Set(
      Object.values(services).flatMap((definition) =>
        definition.build ? [definition.build.dockerfile] : [],
      ),
    ),
  ];

  it.each(dockerfiles)(
    '%s is multi-stage and ends as a non-root user with a health check',
    (dockerfile) => {
      const text = readFileSync(join(REPO_ROOT, dockerfile), 'utf8');
      const stages = text.split(/^FROM /m).slice(1);
      expect(stages.length).toBeGreaterThanOrEqual(2);
      const runtime = stages.at(-1) ?? '';
      const user = [...runtime.matchAll(/^USER (\S+)/gm)].at(-1)?.[1];
      expect(user).toBeDefined();
      expect(['root', '0']).not.toContain(user);
      expect(runtime).toMatch(/^HEALTHCHECK .*CMD /m);
      expect(runtime).toMatch(/^CMD \[/m);
      for (const match of runtime.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
        for (const source of (match[1] ?? '').split(' ')) {
          expect(`${source}: ${String(existsSync(join(REPO_ROOT, source)))}`).toBe(
            `${source}: true`,
          );
        }
      }
    },
  );

  it.each(dockerfiles)(
    '%s has patches/ in place before each npm ci (its postinstall applies them)',
    (dockerfile) => {
      const text = readFileSync(join(REPO_ROOT, dockerfile), 'utf8');
      const installs = text.split(/^FROM /m).filter((stage) => /^RUN npm ci/m.test(stage));
      expect(installs.length).toBeGreaterThan(0);
      for (const stage of installs) {
        const copied = /^COPY patches \.\/patches$/m.exec(stage)?.index ?? Infinity;
        expect(copied).toBeLessThan(/^RUN npm ci/m.exec(stage)?.index ?? -1);
      }
    },
  );

  it('installs only production dependencies into the service image', () => {
    const text = readFileSync(join(REPO_ROOT, 'deploy/docker/service.Dockerfile'), 'utf8');
    const runtime = text.split(/^FROM /m).at(-1) ?? '';
    const from = /^COPY --from=(\S+) \S*node_modules/m.exec(runtime)?.[1];
    const stage = text.split(/^FROM /m).find((part) => part.includes(` AS ${from ?? '?'}`));
    expect(stage).toMatch(/npm ci --omit=dev/);
  });

  it('runs a service with the Node flags the local stack and the tests run it with', () => {
    const text = readFileSync(join(REPO_ROOT, 'deploy/docker/service.Dockerfile'), 'utf8');
    const command = /^CMD (\[.*\])$/m.exec(text.split(/^FROM /m).at(-1) ?? '')?.[1];
    const argv = JSON.parse(command ?? '[]') as string[];
    expect(argv[0]).toBe('node');
    expect(argv.filter((arg) => arg !== '--enable-source-maps').slice(1, -1)).toEqual([
      ...SERVICE_NODE_FLAGS,
    ]);
    expect(argv.at(-1)).toBe('dist/main.js');
  });
});
