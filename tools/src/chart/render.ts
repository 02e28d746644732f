import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ensureHelm, REPO_ROOT, run, type Say } from '../infra';

export const CHART_DIR = join(REPO_ROOT, 'deploy', 'helm', 'scale-chat');
/** What every installation must set (config.trustProxy): the checks render the defaults with it. */
export const REQUIRED_VALUES = join(__dirname, 'required-values.yaml');
/** The production-like values the checks render besides the defaults. */
export const PRODUCTION_VALUES = join(REPO_ROOT, 'deploy', 'helm', 'production-values.yaml');
export const RELEASE = 'scale-chat';
export const NAMESPACE = 'scale-chat';
/**
 * The cluster version rendered for: a Helm built by `go install` carries no default of its
 * own worth having (v1.20), below the chart's kubeVersion.
 */
export const KUBE_VERSION = '1.31.0';

/** What every rendered object has; the checks read the rest as they need. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

// On stderr: `chart-render` prints its objects on stdout.
const say: Say = (line) => process.stderr.write(`[helm] ${line}\n`);

async function helm(args: readonly string[]): Promise<string> {
  const binary = await ensureHelm(say);
  return (await run(binary, args, { cwd: REPO_ROOT })).stdout;
}

const valuesArgs = (valuesFiles: readonly string[]) => valuesFiles.flatMap((file) => ['-f', file]);

/** `helm lint --strict` of the chart with these values files (on top of its defaults). */
export function lintChart(valuesFiles: readonly string[] = []): Promise<string> {
  return helm([
    'lint',
    '--strict',
    '--kube-version',
    KUBE_VERSION,
    CHART_DIR,
    ...valuesArgs(valuesFiles),
  ]);
}

/**
 * The objects `helm template` renders with these values files (on top of its defaults),
 * and then each `--set` of `sets` (`config.logLevel=debug`).
 */
export async function renderChart(
  valuesFiles: readonly string[] = [],
  sets: readonly string[] = [],
): Promise<K8sObject[]> {
  const text = await helm([
    'template',
    RELEASE,
    CHART_DIR,
    '--namespace',
    NAMESPACE,
    '--kube-version',
    KUBE_VERSION,
    ...valuesArgs(valuesFiles),
    ...sets.flatMap((set) => ['--set', set]),
  ]);
  return parseAllDocuments(text)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

/**
 * The chart's NOTES.txt as `helm install` would print it with these values files (on top
 * of its defaults) and `sets`. `helm template` renders no notes, and `helm install
 * --dry-run` needs a cluster, so a copy of the chart renders them in a ConfigMap's data
 * (`tpl`, with the chart's helpers) beside its other templates.
 */
export async function renderNotes(
  valuesFiles: readonly string[] = [],
  sets: readonly string[] = [],
): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), 'scale-chat-notes-'));
  const chart = join(copy, 'scale-chat');
  try {
    cpSync(CHART_DIR, chart, { recursive: true });
    writeFileSync(
      join(chart, 'files', 'notes-check.txt'),
      readFileSync(join(CHART_DIR, 'templates', 'NOTES.txt')),
    );
    writeFileSync(
      join(chart, 'templates', 'notes-check.yaml'),
      `apiVersion: v1
kind: ConfigMap
metadata: { name: notes-check }
data:
  notes: {{ tpl (.Files.Get "files/notes-check.txt") . | toJson }}
`,
    );
    const text = await helm([
      'template',
      RELEASE,
      chart,
      '--namespace',
      NAMESPACE,
      '--kube-version',
      KUBE_VERSION,
      '--show-only',
      'templates/notes-check.yaml',
      ...valuesArgs(valuesFiles),
      ...sets.flatMap((set) => ['--set', set]),
    ]);
    const [configMap] = parseAllDocuments(text).map(
      (document) => document.toJS() as { data: { notes: string } },
    );
    return configMap?.data.notes ?? '';
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

export interface SchemaResult {
  readonly kind: string;
  readonly name: string;
  readonly error: string | null;
}

/** Each object validated against its Kubernetes API schema (validate-objects.mjs). */
export function validateObjects(objects: readonly K8sObject[]): SchemaResult[] {
  const result = spawnSync(process.execPath, [join(__dirname, 'validate-objects.mjs')], {
    cwd: REPO_ROOT,
    input: JSON.stringify(objects),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`validate-objects.mjs exited with ${String(result.status)}: ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as SchemaResult[];
}
