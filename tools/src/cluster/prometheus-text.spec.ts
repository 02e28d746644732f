import { parsePrometheusText, sumOf } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads samples with labels, escapes and special values', () => {
    const samples = parsePrometheusText(
      [
        '# HELP http_requests_total Requests',
        '# TYPE http_requests_total counter',
        'http_requests_total{route="/a",status="200"} 3',
        'http_requests_total{route="/b\\"x",status="500"} 1.5e1',
        'up 1 1700000000000',
        'le_bucket{le="+Inf"} +Inf',
        'lag_seconds Nan',
        '',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'http_requests_total', labels: { route: '/a', status: '200' }, value: 3 },
      { name: 'http_requests_total', labels: { route: '/b"x', status: '500' }, value: 15 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'le_bucket', labels: { le: '+Inf' }, value: Infinity },
      { name: 'lag_seconds', labels: {}, value: NaN },
    ]);
    expect(sumOf(samples, 'http_requests_total')).toBe(18);
    expect(sumOf(samples, 'http_requests_total', { status: '200' })).toBe(3);
  });

  it.each([
    'no value',
    'metric{label=unquoted} 1',
    'metric{label="x"} one',
    '# TYPE metric sometype',
    '9starts_with_digit 1',
    '<html>',
  ])('refuses %p', (line) => {
    expect(() => parsePrometheusText(line)).toThrow(/bad|not a number/);
  });
});
