import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  /** The local port that forwards to the target. */
  readonly port: number;
  /**
   * Makes the target unreachable through this proxy: stops listening (new connections are
   * refused) and drops every open one, as a server that went away would.
   */
  cut(): Promise<void>;
  /**
   * Drops every open connection and resets each new one until `restore()`: a server that
   * is away for a while, then back on the same address.
   */
  interrupt(): void;
  restore(): void;
  /** Connections reset since the last `interrupt()`: how often a client tried meanwhile. */
  readonly resetWhileInterrupted: number;
}

/**
 * A TCP forwarder on a free loopback port to `host:port`: a dependency a test can take
 * away from one service without stopping the real server that others share.
 */
export async function startTcpProxy(host: string, port: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  let interrupted = false;
  let resets = 0;
  const server = createServer((client) => {
    if (interrupted) {
      resets += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port });
    track(client);
    track(upstream);
    client.pipe(upstream).pipe(client);
    // A reset on one side ends the other; the error itself is the expected end of a cut.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    interrupt: () => {
      interrupted = true;
      resets = 0;
      for (const socket of open) socket.destroy();
    },
    restore: () => {
      interrupted = false;
    },
    get resetWhileInterrupted() {
      return resets;
    },
    cut: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of open) socket.destroy();
      }),
  };
}
