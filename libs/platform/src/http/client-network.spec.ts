import { clientNetwork } from './client-network';
import { byClientAddress, type RateLimitedRequest } from './rate-limit.guard';

describe('clientNetwork', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['::FFFF:192.0.2.1', '192.0.2.1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:DB8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:1::', '2001:db8:1:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['', ''],
    ['not an address', 'not an address'],
  ])('counts %j as %j', (address, network) => {
    expect(clientNetwork(address)).toBe(network);
  });

  it('counts two addresses of one /64 as one client, and of two /64s as two', () => {
    expect(clientNetwork('2001:db8:1:2::a')).toBe(clientNetwork('2001:db8:1:2:ffff::b'));
    expect(clientNetwork('2001:db8:1:2::a')).not.toBe(clientNetwork('2001:db8:1:3::a'));
  });

  it('is what the per-address rate limits count by', () => {
    const from = (ip: string) => byClientAddress({ ip } as RateLimitedRequest);
    expect(from('2001:db8:1:2::a')).toBe(from('2001:db8:1:2::b'));
    expect(from('192.0.2.1')).not.toBe(from('192.0.2.2'));
  });
});
