import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../infra';

export const DASHBOARD_FILE = join(
  REPO_ROOT,
  'deploy',
  'grafana',
  'dashboards',
  'scale-chat-overview.json',
);

export interface DashboardPanel {
  readonly title: string;
  readonly datasource: { readonly uid: string };
  readonly targets: readonly { readonly expr: string; readonly datasource: { uid: string } }[];
}

export function dashboardPanels(): DashboardPanel[] {
  return (JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as { panels: DashboardPanel[] }).panels;
}

/** The metric names a PromQL expression selects: each is followed by `{` or `[`. */
export function metricNamesOf(expr: string): string[] {
  return [
    ...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{[]/g)].map((m) => m[1] ?? '')),
  ];
}

/** Metric families of a Prometheus text exposition, by name, with their type (TYPE lines). */
export function metricFamilies(exposition: string): Map<string, string> {
  return new Map(
    [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']),
  );
}

const SERIES_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_count', '_sum'],
  summary: ['_count', '_sum'],
};

/** The names among `queried` that no family exposes (a histogram exposes name_bucket, ...). */
export function unexposedMetrics(
  queried: readonly string[],
  families: ReadonlyMap<string, string>,
): string[] {
  const exposed = new Set<string>();
  for (const [name, type] of families) {
    exposed.add(name);
    for (const suffix of SERIES_SUFFIXES[type] ?? []) exposed.add(`${name}${suffix}`);
  }
  return queried.filter((name) => !exposed.has(name));
}
