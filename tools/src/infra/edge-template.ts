import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_DIR, REPO_ROOT } from './paths';

/** The compose edge's template; the nginx image renders it with envsubst at start. */
export const COMPOSE_EDGE_TEMPLATE = join(REPO_ROOT, 'nginx', 'compose', 'nginx.conf.template');

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)\}/g;

/** The `${NAME}` placeholders of a template, each once. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/**
 * Substitutes `${NAME}` as the nginx image's envsubst does (nginx's own `$name` variables
 * are left alone); a placeholder without a value is an error here, where envsubst would
 * leave it in and nginx would refuse the file.
 */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const missing = templateVariables(template).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new Error(`no value for ${missing.join(', ')}`);
  return template.replace(PLACEHOLDER, (_, name: string) => values[name] ?? '');
}

/**
 * Writes an edge configuration to `.cache/nginx/rendered/<name>/nginx.conf` beside a copy of
 * the shared includes (`../includes/`, as in the repository and in the image) and returns
 * its path.
 */
export function writeEdgeConfig(name: string, text: string): string {
  const dir = join(CACHE_DIR, 'nginx', 'rendered');
  mkdirSync(join(dir, name), { recursive: true });
  cpSync(join(REPO_ROOT, 'nginx', 'includes'), join(dir, 'includes'), { recursive: true });
  const file = join(dir, name, 'nginx.conf');
  writeFileSync(file, text);
  return file;
}

/** Renders the compose edge with `values` (see writeEdgeConfig) and returns its path. */
export function renderComposeEdge(values: Readonly<Record<string, string>>): string {
  return writeEdgeConfig(
    'compose',
    renderTemplate(readFileSync(COMPOSE_EDGE_TEMPLATE, 'utf8'), values),
  );
}
