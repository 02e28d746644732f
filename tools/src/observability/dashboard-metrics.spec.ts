import { metricFamilies, metricNamesOf, unexposedMetrics } from './dashboard-metrics';

describe('dashboard metric names', () => {
  it('reads the selected metrics of a PromQL expression, not functions or labels', () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.95, sum by (le, type) (rate(saga_duration_seconds_bucket[5m]))) + sum(chat_sockets_connected{instance="a"})',
      ),
    ).toEqual(['saga_duration_seconds_bucket', 'chat_sockets_connected']);
  });

  it('counts a histogram as exposing its _bucket, _count and _sum series', () => {
    const families = metricFamilies(
      '# HELP h help\n# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE c counter\nc 1\n',
    );
    expect(unexposedMetrics(['h_bucket', 'h_count', 'c', 'c_bucket', 'missing'], families)).toEqual(
      ['c_bucket', 'missing'],
    );
  });
});
