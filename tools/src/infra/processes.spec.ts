import { createServer } from 'node:net';

import { ephemeralRangeStart, freePort, pidsInSsOutput } from './processes';

describe('freePort', () => {
  it('gives distinct ports, below the ephemeral range where it leaves room (outgoing connections cannot take them)', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    expect(new Set(ports).size).toBe(20);
    // A range that starts below 21,000 leaves no room: the kernel picks (freePort).
    if (ephemeralRangeStart() < 21_000) return;
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralRangeStart());
    }
  });

  it('gives a port that can be listened on', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

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
