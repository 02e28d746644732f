/**
 * The processes of the system and where the local stack serves them (API.md, "Ports of
 * the local stack"). Tools, nginx checks and each service's default configuration read
 * this table, so a port is written down once.
 */
export type ServiceName = 'auth' | 'chat-gateway' | 'saga-orchestrator' | 'log-consumer';

export interface ServiceDescriptor {
  readonly name: ServiceName;
  /** The PostgreSQL schema the service owns; no other service reads or writes it. */
  readonly schema: string;
  /** One port per instance of the local stack. */
  readonly ports: readonly [number, ...number[]];
  /** The service's health check as the edge exposes it. */
  readonly edgeHealthPath: string;
}

export const EDGE_PORT = 8080;

/** The longest a request may wait for its saga (`SIGNUP_WAIT_MS`, `ROOM_SAGA_WAIT_MS`). */
export const SAGA_WAIT_MAX_MS = 60_000;

/**
 * How long the edge waits for an upstream's answer (`proxy_read_timeout`,
 * nginx/includes/proxy.conf): longer than any saga wait, so the service's own 202 or 503
 * reaches the client, never the edge's 503 for a timeout, which would say that a signup
 * still going on had failed.
 */
export const EDGE_READ_TIMEOUT_MS = SAGA_WAIT_MAX_MS + 5_000;

/**
 * How long a service keeps an idle HTTP connection open for the next request (Node's
 * `keepAliveTimeout`, to which Node adds its `keepAliveTimeoutBuffer`, 1 s, before it
 * closes). The edge keeps its idle connections to the services for less
 * (`keepalive_timeout`, nginx/includes/upstream-keepalive.conf), so it is always the edge
 * that closes one: a service closing a connection just as the edge sends a request on it
 * fails that request, and nginx does not send a POST (login, signup, refresh) again.
 * Node's default, 5 s, is far below nginx's 60 s.
 */
export const SERVICE_KEEP_ALIVE_TIMEOUT_MS = 45_000;

export const SERVICES: Readonly<Record<ServiceName, ServiceDescriptor>> = {
  auth: { name: 'auth', schema: 'auth', ports: [3001], edgeHealthPath: '/health/auth' },
  'chat-gateway': {
    name: 'chat-gateway',
    schema: 'chat',
    ports: [3011, 3012],
    edgeHealthPath: '/health/chat',
  },
  'saga-orchestrator': {
    name: 'saga-orchestrator',
    schema: 'saga',
    ports: [3021],
    edgeHealthPath: '/health/saga',
  },
  'log-consumer': {
    name: 'log-consumer',
    schema: 'logs',
    ports: [3031],
    edgeHealthPath: '/health/log',
  },
};

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
