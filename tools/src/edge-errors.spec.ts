import { eventually } from '@scale-chat/wait';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EDGE_PORT, LOCAL_EDGE_SOURCE_ADDRESS, SERVICES } from '@scale-chat/contracts';
import { EDGE_CONFIG, freePort, isPortOpen, nginxBinary, writeEdgeConfig } from './infra';

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/**
 * Sends `request` byte for byte (what fetch would refuse to send) and reads the answer
 * up to the close (every request here says `Connection: close` or is one nginx closes).
 */
function raw(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(
        lines.map((line) => {
          const colon = line.indexOf(':');
          return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
        }),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    // No half-close: nginx takes an early FIN for a client that left (499) and answers nothing.
    socket.write(request);
  });
}

const request = (method: string, path: string, header?: string) =>
  `${method} ${path} HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n${header === undefined ? '' : `${header}\r\n`}\r\n`;
const get = (path: string, header?: string) => request('GET', path, header);
const post = (path: string, header: string) => request('POST', path, header);

/** What the stand-in for auth saw of the last request the edge passed it. */
interface Seen {
  remoteAddress?: string;
  forwardedFor?: string;
  healthChecks: number;
}

/** Auth's readiness report while Kafka is away: its error text names an internal host. */
const NOT_READY = JSON.stringify({
  status: 'error',
  info: { database: { status: 'up' } },
  error: {
    kafka: {
      status: 'down',
      message: 'Connection error: connect ECONNREFUSED kafka-1.internal:9092',
    },
  },
});

/**
 * The local stack's edge configuration, as it is, run by nginx on a free port with its own
 * prefix: auth's upstream is a stand-in that says it is Express, notes who connects, and
 * reports itself ready or not (`ready`); the other services are not needed (nothing here
 * reaches them).
 */
describe('the edge answers its own errors in the one error shape', () => {
  let nginx: ChildProcess;
  let upstream: Server;
  let port: number;
  let prefix: string;
  const seen: Seen = { healthChecks: 0 };
  let ready = true;

  beforeAll(async () => {
    upstream = createServer((request, response) => {
      seen.remoteAddress = request.socket.remoteAddress;
      seen.forwardedFor = request.headers['x-forwarded-for'] as string | undefined;
      const health = request.url === '/health';
      if (health) seen.healthChecks += 1;
      const [status, body] =
        health && !ready ? [503, NOT_READY] : [200, health ? '{"status":"ok"}' : '{"keys":[]}'];
      response.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'x-powered-by': 'Express',
      });
      response.end(body);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    port = await freePort();
    prefix = mkdtempSync(join(tmpdir(), 'edge-errors-'));
    const root = join(prefix, 'web');
    for (const dir of ['logs', 'temp', 'web']) mkdirSync(join(prefix, dir), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>web</title>');
    // Run as root, nginx's workers read files as nobody.
    for (const path of [prefix, root]) chmodSync(path, 0o755);
    const config = readFileSync(EDGE_CONFIG, 'utf8')
      .replace(`listen 127.0.0.1:${EDGE_PORT};`, `listen 127.0.0.1:${port};`)
      .replace(`server 127.0.0.1:${SERVICES.auth.ports[0]} `, `server 127.0.0.1:${upstreamPort} `)
      // Both gateway instances are the stand-in too (for /socket.io/).
      .replaceAll(
        new RegExp(`server 127\\.0\\.0\\.1:(${SERVICES['chat-gateway'].ports.join('|')}) `, 'g'),
        `server 127.0.0.1:${upstreamPort} `,
      )
      .replace(/root [^;]+;/, `root ${root};`);
    const file = writeEdgeConfig(`errors-check-${port}`, config);
    nginx = spawn(nginxBinary(), ['-p', `${prefix}/`, '-e', 'stderr', '-c', file], {
      stdio: 'ignore',
    });
    await eventually('the edge', () => isPortOpen(port), {
      timeoutMs: 10_000,
      failed: () => (nginx.exitCode === null ? undefined : `nginx exited ${nginx.exitCode}`),
    });
  });

  afterAll(async () => {
    if (nginx?.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await new Promise((resolve) => upstream?.close(resolve));
    if (prefix !== undefined) rmSync(prefix, { recursive: true, force: true });
  });

  it.each([
    [404, 'Not Found', 'an unknown /api path', get('/api/nothing-here')],
    [404, 'Not Found', 'a service path the edge does not publish', get('/api/sagas')],
    [404, 'Not Found', 'an unknown health check', get('/health/nothing')],
    [400, 'Bad Request', 'a malformed request line', 'NOT HTTP AT ALL\r\n\r\n'],
    [
      405,
      'Method Not Allowed',
      'a POST to a static file',
      post('/index.html', 'Content-Length: 0'),
    ],
    [
      414,
      'URI Too Long',
      'a request line of 10,000 bytes',
      get(`/api/auth/jwks?${'q'.repeat(10_000)}`),
    ],
    [
      431,
      'Request Header Fields Too Large',
      'a header of 10,000 bytes',
      get('/api/auth/jwks', `X-Big: ${'b'.repeat(10_000)}`),
    ],
    [
      501,
      'Not Implemented',
      'an unknown transfer encoding',
      post('/api/auth/login', 'Transfer-Encoding: rot13'),
    ],
  ])('%i %s: %s', async (statusCode, error, _name, request) => {
    const answer = await raw(port, request);
    expect(answer.status).toBe(statusCode);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(answer.body)).toEqual({ statusCode, error, message: expect.any(String) });
  });

  it('limits new Socket.IO sessions per address with 429 in the error shape, never an open session', async () => {
    const handshake = get('/socket.io/?EIO=4&transport=polling');
    const started = Date.now();
    let passed = 0;
    let refused: RawAnswer | undefined;
    // Rounds of 200 at once until one is refused: however slow the machine, the bucket
    // (a burst of 400, then 50 a second) runs dry.
    for (let round = 0; round < 30 && refused === undefined; round += 1) {
      const answers = await Promise.all(Array.from({ length: 200 }, () => raw(port, handshake)));
      expect(answers.filter((answer) => ![200, 429].includes(answer.status))).toEqual([]);
      passed += answers.filter((answer) => answer.status === 200).length;
      refused = answers.find((answer) => answer.status === 429);
    }
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(passed).toBeGreaterThanOrEqual(400);
    expect(passed).toBeLessThanOrEqual(400 + 50 * seconds + 1);
    expect(refused?.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(refused?.body ?? '')).toEqual({
      statusCode: 429,
      error: 'Too Many Requests',
      message: 'Too many requests; try again shortly',
    });
    // The bucket is empty now; a session's own requests (its polls) are not counted.
    const polls = await Promise.all(
      Array.from({ length: 200 }, () =>
        raw(port, get('/socket.io/?EIO=4&transport=polling&sid=abcdefghijklmnopqrst')),
      ),
    );
    expect(polls.map((answer) => answer.status).filter((status) => status !== 200)).toEqual([]);
  });

  it('sends no X-Powered-By, connects from its own address and overwrites X-Forwarded-For', async () => {
    const answer = await raw(port, get('/api/auth/jwks', 'X-Forwarded-For: 10.0.0.1'));
    expect(answer.status).toBe(200);
    expect(answer.headers.has('x-powered-by')).toBe(false);
    expect(seen).toMatchObject({
      remoteAddress: LOCAL_EDGE_SOURCE_ADDRESS,
      forwardedFor: '127.0.0.1',
    });
  });

  it("lets the page connect to its own origin and the local stack's gateway instances only", async () => {
    const page = await raw(port, get('/'));
    const connectSources = /connect-src ([^;]*);/
      .exec(page.headers.get('content-security-policy') ?? '')?.[1]
      ?.split(' ');
    const gateways = ['127.0.0.1', 'localhost'].flatMap((host) =>
      SERVICES['chat-gateway'].ports.map((gatewayPort) => `ws://${host}:${gatewayPort}`),
    );
    expect(connectSources).toEqual(["'self'", ...gateways]);
  });

  it("passes a ready service's readiness answer through", async () => {
    const answer = await raw(port, get('/health/auth'));
    expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { status: 'ok' }]);
  });

  it("answers a service that is not ready with its own 503, without the service's report", async () => {
    ready = false;
    try {
      const answer = await raw(port, get('/health/auth'));
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body)).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: expect.any(String),
      });
      expect(answer.body).not.toContain('kafka');
    } finally {
      ready = true;
    }
  });

  it('limits readiness checks per client address, in the one error shape', async () => {
    const calls = 60;
    const checksBefore = seen.healthChecks;
    const answers = await Promise.all(
      Array.from({ length: calls }, () => raw(port, get('/health/auth'))),
    );
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.map((answer) => JSON.parse(answer.body) as unknown)).toEqual(
      refused.map(() => ({
        statusCode: 429,
        error: 'Too Many Requests',
        message: expect.any(String),
      })),
    );
    expect(seen.healthChecks - checksBefore).toBe(calls - refused.length);
  });
});
