import { isIPv4, isIPv6 } from 'node:net';

/** Hextets of an IPv6 address that name its network: a /64, what one subscriber is given. */
const NETWORK_HEXTETS = 4;

/**
 * What per-address limits count a client by: an IPv4 address as it is (also written as
 * IPv6, `::ffff:192.0.2.1`), an IPv6 address by its /64, since one subscriber holds a
 * whole /64 and could otherwise take a fresh address for every request. Anything else
 * (a Unix socket's empty address) is returned unchanged.
 */
export function clientNetwork(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (isIPv4(address)) return address;
  const withoutZone = address.split('%')[0] ?? address;
  if (!isIPv6(withoutZone)) return address;
  return `${hextetsOf(withoutZone).slice(0, NETWORK_HEXTETS).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, written out, lower case, without leading zeros. */
function hextetsOf(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':'));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  // An IPv4 tail (`::1.2.3.4`) stands for two hextets.
  const last = back.length > 0 ? back : front;
  const dotted = last.at(-1);
  if (dotted?.includes('.') === true) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    last.splice(-1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  const missing = 8 - front.length - back.length;
  const hextets = [...front, ...Array.from({ length: Math.max(missing, 0) }, () => '0'), ...back];
  return hextets.map((hextet) => Number.parseInt(hextet, 16).toString(16));
}
