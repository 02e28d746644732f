import { io as connect, type ManagerOptions, type SocketOptions } from 'socket.io-client';

/** Connects once (for tests) and resolves with "connected" or the connect_error message. */
export function handshake(
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<string> {
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
      resolve(error.message);
    });
  });
}
