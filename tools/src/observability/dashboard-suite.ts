import { localInstances } from '../infra';
import {
  dashboardPanels,
  metricFamilies,
  metricNamesOf,
  unexposedMetrics,
} from './dashboard-metrics';

/** Run against the whole local stack: the dashboard charts only what the services expose. */
export function dashboardMetricsCheck(): void {
  it('exposes on /metrics every metric the Grafana dashboard charts', async () => {
    const families = new Map<string, string>();
    for (const instance of localInstances()) {
      const response = await fetch(`http://127.0.0.1:${instance.port}/metrics`);
      expect(response.status).toBe(200);
      for (const [name, type] of metricFamilies(await response.text())) families.set(name, type);
    }
    const charted = [
      ...new Set(
        dashboardPanels().flatMap((panel) =>
          panel.targets.flatMap((target) => metricNamesOf(target.expr)),
        ),
      ),
    ];
    expect(charted.length).toBeGreaterThanOrEqual(10);
    expect(unexposedMetrics(charted, families)).toEqual([]);
  });
}
