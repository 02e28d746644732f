import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { parse } from 'yaml';
import { REPO_ROOT } from '../infra';
import { metricFamilies } from './dashboard-metrics';

/** The alert rules: docker-compose's Prometheus mounts this file, the chart renders it. */
export const ALERTS_FILE = join(
  REPO_ROOT,
  'deploy',
  'helm',
  'scale-chat',
  'files',
  'prometheus-alerts.yaml',
);

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: readonly AlertRule[];
}

export function alertRuleGroups(text = readFileSync(ALERTS_FILE, 'utf8')): RuleGroup[] {
  return (parse(text) as { groups: RuleGroup[] }).groups;
}

/** A metric the services make (ServiceMetrics' counter, gauge, histogram) with its help. */
export interface SourceMetric {
  readonly name: string;
  readonly type: string;
  readonly help: string;
}

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /(?<!spec)\.ts$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));

/** The metrics made in libs/platform/src and apps/<app>/src, read from their source. */
export function sourceMetrics(): SourceMetric[] {
  const apps = readdirSync(join(REPO_ROOT, 'apps')).map((app) => join(REPO_ROOT, 'apps', app));
  const dirs = [join(REPO_ROOT, 'libs', 'platform', 'src'), ...apps.map((app) => join(app, 'src'))];
  return dirs
    .flatMap((dir) => {
      try {
        return sourceFiles(dir);
      } catch {
        return [];
      }
    })
    .flatMap((file) =>
      [
        ...readFileSync(file, 'utf8').matchAll(
          /metrics\??\.(counter|gauge|histogram)\(\{\s*name: '([a-zA-Z_:][a-zA-Z0-9_:]*)',\s*help:\s*'([^']*)'/g,
        ),
      ].map((m) => ({ type: m[1] ?? '', name: m[2] ?? '', help: m[3] ?? '' })),
    );
}

/** Every family a service exposes: its own metrics and prom-client's default ones. */
export async function exportedFamilies(): Promise<Map<string, string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const families = metricFamilies(await registry.metrics());
  registry.clear();
  for (const metric of sourceMetrics()) families.set(metric.name, metric.type);
  return families;
}

/** The values a PromQL expression matches `label` with (= "a", =~ "a|b"), by metric. */
export function labelValuesOf(expr: string, label: string): { metric: string; value: string }[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)].flatMap((selector) =>
    [...(selector[2] ?? '').matchAll(new RegExp(`\\b${label}\\s*=~?\\s*"([^"]*)"`, 'g'))].flatMap(
      (matcher) =>
        (matcher[1] ?? '').split('|').map((value) => ({ metric: selector[1] ?? '', value })),
    ),
  );
}
