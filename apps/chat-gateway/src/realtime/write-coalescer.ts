import type { Writable } from 'node:stream';

/** As much of an engine.io socket as the coalescer looks at: its WebSocket's TCP socket. */
export interface CoalescableConnection {
  readonly transport?: { readonly name?: string; readonly socket?: { _socket?: Writable } };
}

/** What engine.io's server emits as `flush`, just before a socket's queued packets go out. */
export interface FlushingServer {
  on(
    event: 'flush',
    listener: (connection: CoalescableConnection, packets: readonly unknown[]) => void,
  ): unknown;
}

/**
 * Sends the packets a socket had queued in one write to its TCP connection instead of one
 * per packet. engine.io writes one packet at once and queues the ones that follow until
 * that write completes; it then flushes the queue frame by frame, each frame a system call
 * of its own. Writing frames took an eighth to a fifth of a gateway's time in the profile,
 * and a member of a busy room gets several messages per flush.
 *
 * The connection is corked for the rest of the tick. Only the WebSocket transport is held
 * (`ws` keeps its TCP socket as `_socket`); long-polling sends a flush as one response
 * already.
 */
export class WriteCoalescer {
  private readonly held = new Set<Writable>();
  private readonly release = (): void => {
    // Emptied first, so the next tick holds afresh whatever an uncork here does.
    const held = [...this.held];
    this.held.clear();
    for (const connection of held) connection.uncork();
  };

  /** Holds the writes of every flush of more than one packet on `server`. */
  attach(server: FlushingServer): void {
    server.on('flush', (connection, packets) => {
      if (packets.length > 1) this.hold(connection);
    });
  }

  hold(socket: CoalescableConnection): void {
    const transport = socket.transport;
    if (transport?.name !== 'websocket') return;
    const connection = transport.socket?._socket;
    if (connection === undefined || this.held.has(connection)) return;
    if (this.held.size === 0) process.nextTick(this.release);
    connection.cork();
    this.held.add(connection);
  }
}
