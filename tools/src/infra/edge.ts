import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Say } from './log';
import { CACHE_DIR, REPO_ROOT } from './paths';
import { run } from './processes';

export const EDGE_CONFIG = join(REPO_ROOT, 'nginx', 'local', 'nginx.conf');
const PREFIX = join(CACHE_DIR, 'nginx');
/** The local edge's JSON access log (nginx/includes/http.conf, log_format json). */
export const EDGE_ACCESS_LOG = join(PREFIX, 'logs', 'access.log');

export function nginxBinary(): string {
  const path = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((candidate) =>
    existsSync(candidate),
  );
  if (path === undefined) throw new Error('nginx is not installed: apt-get install nginx');
  return path;
}

/** nginx's command line for `config`, with the prefix where its runtime files go. */
export function edgeArgs(config: string = EDGE_CONFIG): string[] {
  for (const dir of ['logs', 'temp']) mkdirSync(join(PREFIX, dir), { recursive: true });
  return ['-p', `${PREFIX}/`, '-e', 'stderr', '-c', config];
}

/** `nginx -t`: the configuration parses and every file it names exists. */
export async function checkEdgeConfig(say: Say, config: string = EDGE_CONFIG): Promise<void> {
  await run(nginxBinary(), ['-t', '-q', ...edgeArgs(config)]);
  say(`nginx -t: ${config} is valid`);
}
