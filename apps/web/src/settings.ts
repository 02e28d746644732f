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

/** The page the URL's hash names: the admin statistics, or the chat with a room open or not. */
export type Route =
  { readonly page: 'admin' } | { readonly page: 'chat'; readonly roomId: string | null };

/** Room ids are UUIDs; anything else in the hash is not a room. */
const ROOM_HASH = /^#\/rooms\/([0-9A-Za-z-]{1,64})$/;

export function routeOf(hash: string): Route {
  if (hash === '#/admin') return { page: 'admin' };
  return { page: 'chat', roomId: ROOM_HASH.exec(hash)?.[1] ?? null };
}

/** The hash of a room's page (`#/rooms/<id>`), or of the room list. */
export function hashOf(roomId: string | null): string {
  return roomId === null ? '#/' : `#/rooms/${roomId}`;
}
