import { eventually } from '@scale-chat/wait';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CACHE_DIR,
  edgeArgs,
  freePort,
  isPortOpen,
  nginxBinary,
  startManaged,
  writeEdgeConfig,
  type ManagedProcess,
} from './infra';

const ROOT = join(CACHE_DIR, 'nginx', 'web-app-test');
const BUILT = join(ROOT, 'built');
const NOT_BUILT = join(ROOT, 'not-built');
const ASSET = '/assets/index-3f9a1c.js';

/** A real nginx serving nginx/includes/web-app.conf from a built and from an absent app. */
function webAppConfig(builtPort: number, notBuiltPort: number): string {
  const server = (port: number, root: string) => `
    server {
        listen 127.0.0.1:${port};
        root ${root};
        include ../includes/security-headers.conf;
        include ../includes/web-app.conf;
    }`;
  return `daemon off;
worker_processes 1;
pid web-app-test.pid;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    include ../includes/http.conf;
    access_log off;
    map $host $csp_connect_src { default "'self'"; }
    client_body_temp_path temp/client_body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
    ${server(builtPort, BUILT)}
    ${server(notBuiltPort, NOT_BUILT)}
}
`;
}

describe('the web app at / of the edge (nginx/includes/web-app.conf, real nginx)', () => {
  let nginx: ManagedProcess;
  let built = '';
  let notBuilt = '';

  beforeAll(async () => {
    rmSync(ROOT, { recursive: true, force: true });
    mkdirSync(join(BUILT, 'assets'), { recursive: true });
    mkdirSync(NOT_BUILT, { recursive: true });
    writeFileSync(join(BUILT, 'index.html'), '<!doctype html><title>scale-chat</title>');
    writeFileSync(join(BUILT, ASSET), `console.log(${JSON.stringify('x'.repeat(4000))});`);
    writeFileSync(join(BUILT, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const [builtPort, notBuiltPort] = [await freePort(), await freePort()];
    built = `http://127.0.0.1:${builtPort}`;
    notBuilt = `http://127.0.0.1:${notBuiltPort}`;
    const config = writeEdgeConfig('web-app-test', webAppConfig(builtPort, notBuiltPort));
    nginx = startManaged('nginx-web-app', nginxBinary(), edgeArgs(config), {});
    await eventually('nginx serving the web app', () => isPortOpen(builtPort), {
      timeoutMs: 10_000,
      failed: nginx.exitReason,
    });
  });

  afterAll(async () => {
    await nginx.stop(5_000);
  });

  it.each(['/', '/index.html', '/rooms/3f2c/messages'])(
    'answers %s with index.html, never cached, handing out the route cookie',
    async (path) => {
      const page = await fetch(`${built}${path}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>scale-chat</title>');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('set-cookie')).toMatch(
        /^chat_route=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    },
  );

  it('hands out no new route cookie to a browser that has one', async () => {
    const page = await fetch(`${built}/`, { headers: { cookie: 'chat_route=abc' } });
    expect(page.headers.get('set-cookie')).toBeNull();
  });

  it('serves hashed assets compressed, cached for a year, with the security headers', async () => {
    const asset = await fetch(`${built}${ASSET}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toBe('max-age=31536000, public, immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers a missing asset 404, not with index.html', async () => {
    expect((await fetch(`${built}/assets/gone-123.js`)).status).toBe(404);
  });

  it('caches other root files for an hour', async () => {
    const icon = await fetch(`${built}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('max-age=3600');
  });

  it('answers a plain 404 naming the build command when the app is not built', async () => {
    const page = await fetch(`${notBuilt}/`);
    expect(page.status).toBe(404);
    expect(await page.text()).toBe('The web app is not built: run npx nx build web\n');
    expect(page.headers.get('set-cookie')).toMatch(/^chat_route=/);
  });
});
