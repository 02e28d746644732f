import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EDGE_PORT, EDGE_READ_TIMEOUT_MS, SAGA_WAIT_MAX_MS, SERVICES } from '@scale-chat/contracts';
import {
  checkEdgeConfig,
  COMPOSE_EDGE_TEMPLATE,
  EDGE_CONFIG,
  renderComposeEdge,
  REPO_ROOT,
} from './infra';

const localConfig = readFileSync(EDGE_CONFIG, 'utf8');
const routes = readFileSync(join(REPO_ROOT, 'nginx', 'includes', 'edge-routes.conf'), 'utf8');

/** The `server host:port` lines of one upstream block. */
function upstreamPorts(name: string): number[] {
  const block = new RegExp(`upstream ${name} \\{([^}]*)\\}`).exec(localConfig)?.[1] ?? '';
  return [...block.matchAll(/server 127\.0\.0\.1:(\d+)/g)].map((match) => Number(match[1]));
}

/**
 * The compose edge rendered with the values docker-compose.yml gives its template; the
 * compose host names resolve only inside compose, so here they stand for 127.0.0.1, and
 * the access log (the container's stdout there) is a file of the tools' nginx prefix.
 */
function renderComposeEdgeForCheck(): string {
  const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: { edge: { environment: Record<string, string> } } };
  const values = Object.fromEntries(
    Object.entries(compose.services.edge.environment).map(([name, value]) => [
      name,
      value.replace(/^[a-z-]+:/, '127.0.0.1:'),
    ]),
  );
  return renderComposeEdge({ ...values, EDGE_ACCESS_LOG: 'logs/compose-check-access.log' });
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

  it.each(Object.values(SERVICES).map((service) => [service.edgeHealthPath]))(
    'exposes %s',
    (path) => {
      expect(routes).toContain(`location = ${path} `);
    },
  );
});
