import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SERVICE_CONFIG } from '@scale-chat/platform';
import { PinoLogger } from 'nestjs-pino';
import type { ChatConfig } from '../chat-config';
import { ChatMetrics } from './chat-metrics';
import type { ChatServer } from './live-rooms';

/** How often every socket's queue is looked at. */
const SWEEP_EVERY_MS = 1_000;

/**
 * As much of an engine.io connection as the sweep needs: the packets queued for the
 * client and not yet handed to its transport (engine.io keeps them in `writeBuffer`,
 * which its types call private), and `close`.
 */
interface QueueingConnection {
  readonly writeBuffer?: readonly unknown[];
  readonly readyState: string;
  close(discard?: boolean): void;
}

/**
 * Closes the sockets whose clients do not read what they are sent. engine.io hands a
 * WebSocket one flush at a time and queues every packet that comes meanwhile; a client
 * that stops reading (stalled, or never reading on purpose) leaves its flush unfinished,
 * and the queue grows with every broadcast to its rooms until the heartbeat gives up
 * (45 s, longer than that if it reads just enough). A socket with more than
 * SOCKET_MAX_QUEUED_PACKETS waiting is closed at once, its queue discarded: waiting for
 * it to drain first, as `disconnect` does, would wait on the very client that does not
 * read. "forced close" is a reason Socket.IO recovers from, so a client that was only
 * slow comes back with what it missed (connection-state recovery), and one that never
 * reads costs a bounded queue for at most a second more.
 */
@Injectable()
export class SlowReaders implements OnApplicationShutdown {
  private readonly maxQueuedPackets: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SERVICE_CONFIG) config: ChatConfig,
    private readonly metrics: ChatMetrics,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext('slow-readers');
    this.maxQueuedPackets = config.extra.SOCKET_MAX_QUEUED_PACKETS;
  }

  /** Starts sweeping `server`'s sockets. */
  attach(server: ChatServer): void {
    this.timer ??= setInterval(() => this.sweep(server), SWEEP_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Closes each socket of `server` with more packets queued than allowed. */
  sweep(server: ChatServer): void {
    for (const socket of server.of('/').sockets.values()) {
      const connection = socket.conn as unknown as QueueingConnection;
      const queued = connection.writeBuffer?.length ?? 0;
      if (queued <= this.maxQueuedPackets || connection.readyState !== 'open') continue;
      this.metrics.slowReaderDisconnects.inc();
      this.logger.warn(
        {
          socket: socket.id,
          userId: (socket.data as { user?: { userId: string } }).user?.userId,
          queued,
        },
        'closed a socket whose client does not read',
      );
      connection.close(true);
    }
  }
}
