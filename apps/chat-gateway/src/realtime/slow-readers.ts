import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { ChatConfig } from '../chat-config';
import { ChatMetrics } from './chat-metrics';
import type { ChatServer } from './live-rooms';

/** How often every socket's queue is looked at. */
const SWEEP_EVERY_MS = 1_000;
/**
 * How long a socket's queue may stay over the limit: a client that reads, on a slow
 * link, catches up within it (a large `sync` answer or `room:joined` holds the queue up
 * meanwhile); one that does not read is closed after it.
 */
const OVER_THE_LIMIT_MS = 5_000;

/**
 * Long-polling queues whatever comes between two polls by design, so its limit is this
 * many times the WebSocket's: only a client that stops polling for seconds reaches it.
 */
const POLLING_FACTOR = 10;

/**
 * As much of an engine.io connection as the sweep needs: the packets queued for the
 * client and not yet handed to its transport (engine.io keeps them in `writeBuffer`,
 * which its types call private; each packet's `data` is the encoded text or a binary
 * attachment), whether it is being upgraded, its transport (and that transport's `ws`
 * WebSocket, whose `bufferedAmount` is what it took and the kernel has not), and `close`.
 */
interface QueueingConnection {
  readonly writeBuffer?: readonly { readonly data?: unknown }[];
  readonly readyState: string;
  readonly upgrading?: boolean;
  readonly transport?: {
    readonly name?: string;
    readonly socket?: { readonly bufferedAmount?: number; terminate?(): void };
  };
  close(discard?: boolean): void;
}

/**
 * About how many bytes wait in the gateway for `socket`'s client: the packets engine.io
 * queued (text counted by its length) and what its WebSocket holds unsent. A client that
 * reads keeps this near nothing; one that does not, or reads slowly, lets it grow.
 */
export function queuedBytes(socket: { readonly conn: unknown }): number {
  const connection = socket.conn as QueueingConnection;
  let bytes = connection.transport?.socket?.bufferedAmount ?? 0;
  for (const { data } of connection.writeBuffer ?? []) {
    if (typeof data === 'string') bytes += data.length;
    else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) bytes += data.byteLength;
  }
  return bytes;
}

/**
 * Closes the sockets whose clients do not read what they are sent. engine.io hands a
 * WebSocket one flush at a time and queues every packet that comes meanwhile; a client
 * that stops reading (stalled, or never reading on purpose) leaves its flush unfinished,
 * and the queue grows with every broadcast to its rooms until the heartbeat gives up
 * (45 s, longer than that if it reads just enough). A WebSocket with more than
 * SOCKET_MAX_QUEUED_PACKETS waiting at every look for OVER_THE_LIMIT_MS is closed, its
 * queue discarded (waiting for it to drain first, as `disconnect` does, would wait on
 * the very client that does not read) and its TCP connection ended at once rather than
 * after the closing handshake's 30 s. Long-polling queues between polls by design and
 * has ten times the limit (`POLLING_FACTOR`); a connection being upgraded is left to
 * the heartbeat. "forced close" is a reason
 * Socket.IO recovers from, so a client that was only slow comes back with what it
 * missed (connection-state recovery); what was being answered to it (a `sync`) it asks
 * again.
 */
@Injectable()
export class SlowReaders implements OnApplicationShutdown {
  private readonly maxQueuedPackets: number;
  private readonly maxQueuedBytes: number;
  private timer: NodeJS.Timeout | undefined;
  /** Since when each socket over the limit has been so, at every look. */
  private readonly overSince = new WeakMap<object, number>();

  constructor(
    @Inject(SERVICE_CONFIG) config: ChatConfig,
    private readonly metrics: ChatMetrics,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('slow-readers');
    this.maxQueuedPackets = config.extra.SOCKET_MAX_QUEUED_PACKETS;
    this.maxQueuedBytes = config.extra.SOCKET_MAX_QUEUED_BYTES;
  }

  /** Starts sweeping `server`'s sockets. */
  attach(server: ChatServer): void {
    this.timer ??= setInterval(() => this.sweep(server), SWEEP_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /**
   * Closes each socket of `server` that has had more packets or bytes queued than allowed
   * for too long.
   */
  sweep(server: ChatServer, now = Date.now()): void {
    for (const socket of server.of('/').sockets.values()) {
      const connection = socket.conn as unknown as QueueingConnection;
      const queued = connection.writeBuffer?.length ?? 0;
      const factor = connection.transport?.name === 'websocket' ? 1 : POLLING_FACTOR;
      const over =
        queued > this.maxQueuedPackets * factor ||
        // Bytes are counted only where packets wait: most sockets have none waiting.
        (queued > 0 && queuedBytes(socket) > this.maxQueuedBytes * factor);
      if (!over || connection.readyState !== 'open' || connection.upgrading === true) {
        this.overSince.delete(connection);
        continue;
      }
      const since = this.overSince.get(connection) ?? now;
      this.overSince.set(connection, since);
      if (now - since < OVER_THE_LIMIT_MS) continue;
      this.metrics.slowReaderDisconnects.inc();
      this.logger.warn(
        {
          socket: socket.id,
          userId: socket.data.user?.userId,
          queued,
          queuedBytes: queuedBytes(socket),
        },
        'closed a socket whose client does not read',
      );
      connection.close(true);
      connection.transport?.socket?.terminate?.();
    }
  }
}
