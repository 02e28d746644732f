import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SERVICE_NAMES, SERVICES } from '@scale-chat/contracts';
import { REPO_ROOT } from './infra';
import {
  ALERTS_FILE,
  alertRuleGroups,
  dashboardPanels,
  exportedFamilies,
  labelValuesOf,
  metricNamesOf,
  sourceMetrics,
  unexposedMetrics,
} from './observability';

const readYaml = <T>(path: string): T =>
  parse(readFileSync(join(REPO_ROOT, path), 'utf8'), { merge: true }) as T;

interface ScrapeJob {
  job_name: string;
  metrics_path: string;
  dns_sd_configs: { names: string[]; type: string; port: number }[];
}

describe('Prometheus and Grafana of the observability profile', () => {
  const prometheus = readYaml<{ scrape_configs: ScrapeJob[] }>('deploy/prometheus/prometheus.yml');
  const compose = readYaml<{ services: Record<string, { volumes?: string[] }> }>(
    'docker-compose.yml',
  );

  it.each(SERVICE_NAMES)('scrapes /metrics of every %s instance on the port of API.md', (name) => {
    const job = prometheus.scrape_configs.find((candidate) => candidate.job_name === name);
    expect(job).toMatchObject({
      metrics_path: '/metrics',
      dns_sd_configs: [{ names: [name], type: 'A', port: SERVICES[name].ports[0] }],
    });
    expect(compose.services[name]).toBeDefined();
  });

  it('mounts only files and folders that are in the repository', () => {
    for (const service of ['prometheus', 'grafana']) {
      for (const volume of compose.services[service]?.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('./')) continue;
        expect(`${source}: ${String(existsSync(join(REPO_ROOT, source)))}`).toBe(`${source}: true`);
      }
    }
  });

  it('draws every panel from the provisioned Prometheus, each query naming a metric', () => {
    const datasources = readYaml<{ datasources: { uid: string; type: string }[] }>(
      'deploy/grafana/provisioning/datasources/prometheus.yml',
    ).datasources;
    const panels = dashboardPanels();
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of panels) {
      expect(datasources).toContainEqual(
        expect.objectContaining({ uid: panel.datasource.uid, type: 'prometheus' }),
      );
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) expect(metricNamesOf(target.expr)).not.toEqual([]);
    }
  });

  it('charts the metrics the services expose for operations', () => {
    const charted = new Set(
      dashboardPanels().flatMap((panel) =>
        panel.targets.flatMap((target) => metricNamesOf(target.expr)),
      ),
    );
    expect([...charted].sort()).toEqual(
      expect.arrayContaining([
        'chat_messages_in_total',
        'chat_messages_out_total',
        'chat_sockets_connected',
        'http_request_duration_seconds_bucket',
        'http_request_duration_seconds_count',
        'kafka_consumer_lag',
        'log_events_duplicates_total',
        'log_events_total',
        'outbox_backlog',
        'saga_duration_seconds_bucket',
        'sagas_total',
      ]),
    );
  });

  const expressions = () =>
    dashboardPanels().flatMap((panel) => panel.targets.map((target) => target.expr));

  it('leaves out every health and metrics route where it leaves them out (PromQL anchors =~ and !~)', () => {
    const filters = expressions().flatMap((expr) =>
      [...expr.matchAll(/route!~"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? ''),
    );
    expect(filters.length).toBeGreaterThan(0);
    for (const filter of filters) {
      const excluded = new RegExp(`^(?:${filter})$`);
      for (const route of ['/health', '/health/live', '/health/ready', '/metrics'])
        expect([route, excluded.test(route)]).toEqual([route, true]);
      expect(excluded.test('/api/rooms/:id')).toBe(false);
    }
  });

  it('charts the outbox backlog, which every instance of a service counts alike, with max', () => {
    const backlog = expressions().filter((expr) => metricNamesOf(expr).includes('outbox_backlog'));
    expect(backlog).not.toEqual([]);
    for (const expr of backlog) expect(expr).toMatch(/^max by \(service\) \(outbox_backlog/);
  });
});

describe('the alert rules (deploy/helm/scale-chat/files/prometheus-alerts.yaml)', () => {
  const rules = alertRuleGroups().flatMap((group) => group.rules);
  const prometheus = readYaml<{ rule_files?: string[] }>('deploy/prometheus/prometheus.yml');
  const compose = readYaml<{ services: Record<string, { volumes?: string[] }> }>(
    'docker-compose.yml',
  );

  it("are loaded by compose's Prometheus: mounted, and named in rule_files", () => {
    const mounted = (compose.services['prometheus']?.volumes ?? [])
      .map((volume) => volume.split(':'))
      .filter(([source]) => join(REPO_ROOT, source ?? '') === ALERTS_FILE)
      .map(([, target]) => target);
    expect(mounted).toHaveLength(1);
    expect(prometheus.rule_files ?? []).toEqual(mounted);
  });

  it('alert on what an operator must act on, each once', () => {
    const names = rules.map((rule) => rule.alert);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(8);
  });

  it.each(rules.map((rule) => [rule.alert, rule] as const))(
    '%s has a severity, a summary and a description',
    (_name, rule) => {
      expect(['critical', 'warning']).toContain(rule.labels?.['severity']);
      expect(rule.annotations?.['summary']?.length ?? 0).toBeGreaterThan(10);
      expect(rule.annotations?.['description']?.length ?? 0).toBeGreaterThan(40);
      if (rule.for !== undefined) expect(rule.for).toMatch(/^\d+[smh]$/);
    },
  );

  it('name only metrics the services export (or Prometheus itself: up)', async () => {
    const families = await exportedFamilies();
    expect(families.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
    expect(families.get('outbox_backlog')).toBe('gauge');
    for (const rule of rules) {
      const named = metricNamesOf(rule.expr);
      expect([rule.alert, named.length > 0]).toEqual([rule.alert, true]);
      const unknown = unexposedMetrics(named, families).filter((name) => name !== 'up');
      expect([rule.alert, unknown]).toEqual([rule.alert, []]);
    }
  });

  it('match outcome values the code counts (each listed in the help of its metric)', () => {
    const helps = new Map(sourceMetrics().map((metric) => [metric.name, metric.help]));
    const matched = rules.flatMap((rule) => labelValuesOf(rule.expr, 'outcome'));
    expect(matched.map(({ value }) => value)).toEqual(
      expect.arrayContaining(['failed', 'malformed', 'compensated', 'undo_refused']),
    );
    for (const { metric, value } of matched) {
      const family = metric.replace(/_(bucket|count|sum)$/, '');
      const help = helps.get(metric) ?? helps.get(family) ?? '';
      expect([metric, value, new RegExp(`\\b${value}\\b`).test(help)]).toEqual([
        metric,
        value,
        true,
      ]);
    }
  });

  it('read the outbox backlog, which every instance of a service counts alike, with max', () => {
    const backlog = rules.filter((rule) => metricNamesOf(rule.expr).includes('outbox_backlog'));
    expect(backlog).not.toEqual([]);
    for (const rule of backlog) {
      expect(rule.expr).not.toMatch(/\bsum\b/);
      for (const use of rule.expr.split(/\band\b/))
        expect(use.trim()).toMatch(/^max by \(service\) \(/);
    }
  });

  it("watch up of every service's job in compose and of its PodMonitor in the chart", () => {
    const up = rules.find((rule) => metricNamesOf(rule.expr).includes('up'));
    const pattern = /up\{job=~"([^"]*)"\}/.exec(up?.expr ?? '')?.[1] ?? '';
    const jobs = new RegExp(`^(?:${pattern})$`);
    for (const name of SERVICE_NAMES) {
      expect([name, jobs.test(name)]).toEqual([name, true]);
      const podMonitorJob = `scale-chat/scale-chat-${name}`;
      expect([podMonitorJob, jobs.test(podMonitorJob)]).toEqual([podMonitorJob, true]);
    }
    expect(jobs.test('prometheus')).toBe(false);
  });
});
