import { pidsInSsOutput } from './processes';

describe('pidsInSsOutput (who holds a port, from `ss -ltnpH`)', () => {
  it('reads each pid once, of every process listening', () => {
    const output = [
      'LISTEN 0 511 127.0.0.1:3012 0.0.0.0:* users:(("node",pid=4242,fd=23),("node",pid=4243,fd=23))',
      'LISTEN 0 511 [::1]:3012 [::]:* users:(("node",pid=4242,fd=24))',
    ].join('\n');
    expect(pidsInSsOutput(output)).toEqual([4242, 4243]);
  });

  it('finds none where ss shows no process (another user’s, or nothing listening)', () => {
    expect(pidsInSsOutput('LISTEN 0 511 127.0.0.1:3012 0.0.0.0:*')).toEqual([]);
    expect(pidsInSsOutput('')).toEqual([]);
  });
});
