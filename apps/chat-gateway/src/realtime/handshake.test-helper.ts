import { ACCESS_TOKEN_LEEWAY_SECONDS } from '@scale-chat/access-tokens';
import { io as connect, type ManagerOptions, type SocketOptions } from 'socket.io-client';

/**
 * When a 900 s access token issued at `issuedAt` stops being accepted: `exp` (`iat` is
 * whole seconds) and the leeway REST and the gateway grant past it.
 */
export const refusedFrom = (issuedAt: Date): number =>
  Math.floor(issuedAt.getTime() / 1000) * 1000 + (900 + ACCESS_TOKEN_LEEWAY_SECONDS) * 1000;

/** A refused handshake's `connect_error`: its message, and the data the server gave it. */
export type HandshakeRefusal = Error & { readonly data?: unknown };

/** Connects once (for tests) and resolves with "connected" or the connect_error. */
export function connectOnce(
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<'connected' | HandshakeRefusal> {
  const socket = connect(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...options,
  });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      socket.disconnect();
      resolve('connected');
    });
    socket.once('connect_error', (error) => {
      socket.disconnect();
      resolve(error);
    });
  });
}

/** Connects once (for tests) and resolves with "connected" or the connect_error message. */
export async function handshake(
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<string> {
  const outcome = await connectOnce(url, options);
  return outcome === 'connected' ? outcome : outcome.message;
}
