/**
 * Where the chat socket connects. By default the page's own origin: the edge, which
 * forwards `/socket.io/` to a gateway. `?gatewayPort=3012` pins it to one gateway
 * instance on the same host instead (development and the browser tests, which put two
 * users on two instances). Only a port is accepted, never a host, so a crafted link
 * cannot send the access token anywhere but to this host.
 */
export function socketUrl(
  location: Pick<Location, 'protocol' | 'hostname' | 'search'> = window.location,
): string | undefined {
  const port = new URLSearchParams(location.search).get('gatewayPort');
  if (port === null || !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535)
    return undefined;
  return `${location.protocol}//${location.hostname}:${port}`;
}

export type Route = 'chat' | 'admin';

export function routeOf(hash: string): Route {
  return hash === '#/admin' ? 'admin' : 'chat';
}
