import { Logger, type INestApplicationContext, type WsMessageHandler } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { KafkaAdapterConstructor } from '@scale-chat/socket-io-kafka-adapter';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import type { Server, ServerOptions } from 'socket.io';
import { failedAck, SocketError } from './socket-payloads';
import { WriteCoalescer, type FlushingServer } from './write-coalescer';

/**
 * The transport's limit (Socket.IO's default): an event up to this size is read and
 * answered (`payload_too_large` for a body over 4,000 characters); a bigger packet is a
 * protocol violation and engine.io closes that connection.
 */
const MAX_PACKET_BYTES = 1024 * 1024;

const EXTRA_ARGUMENTS = new SocketError(
  'bad_request',
  'an event takes one payload (and an acknowledgement), not more arguments',
);

/**
 * Nest's Socket.IO server, clustered through Kafka: the adapter shares broadcasts and
 * rooms with every other gateway instance, connection-state recovery works across them,
 * browsers may connect only from the allowed origins, and packets are size-limited. The
 * packets queued for a socket leave in one write (`WriteCoalescer`), and each socket's
 * events are bound without a pipeline of their own (`bindMessageHandlers`).
 */
export class KafkaIoAdapter extends IoAdapter {
  private readonly logger = new Logger(KafkaIoAdapter.name);
  private readonly writes = new WriteCoalescer();

  constructor(
    app: INestApplicationContext,
    private readonly clusterAdapter: KafkaAdapterConstructor,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const server = super.createIOServer(port, {
      ...options,
      adapter: this.clusterAdapter,
      // Middlewares run again on recovery, so a recovered socket is re-authenticated.
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60 * 1000, skipMiddlewares: false },
      maxHttpBufferSize: MAX_PACKET_BYTES,
      allowRequest: (
        request: IncomingMessage,
        callback: (error: string | null, allowed: boolean) => void,
      ) => callback(null, this.originAllowed(request)),
      cors: { origin: [...this.allowedOrigins] },
    }) as Server;
    this.writes.attach(server.engine as unknown as FlushingServer);
    return server;
  }

  /**
   * One plain listener per event and socket. Nest's own binding builds an RxJS pipeline
   * for every handler of every socket (`fromEvent`, `mergeMap`, `takeUntil` and their
   * subscribers), kept for as long as the socket is connected, idle or not; this answers
   * the same way: the handler's result is the acknowledgement, or `{ event, data }` is
   * emitted back, and neither once the socket is disconnected (Nest's `takeUntil`). A
   * socket hears no events once it is disconnected, so nothing needs to be torn down
   * with it.
   */
  override bindMessageHandlers(
    // Nest's own copy of socket.io's types, which @nestjs/platform-socket.io pins.
    socket: Parameters<IoAdapter['bindMessageHandlers']>[0],
    handlers: WsMessageHandler[],
    transform: (result: unknown) => Observable<unknown>,
  ): void {
    for (const { message, callback, isAckHandledManually } of handlers) {
      socket.on(message, (...args: unknown[]) => {
        // What Nest's `fromEvent` hands `mapPayload`: the one argument, or all of them.
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]);
        // Every event of API.md takes one payload: more would reach the handler as an
        // array, refused as "the payload must be an object" although it was one.
        if (args.length - (ack === undefined ? 0 : 1) > 1) {
          (ack as ((answer: unknown) => void) | undefined)?.(failedAck(EXTRA_ARGUMENTS));
          return;
        }
        transform(callback(data, ack)).subscribe({
          next: (response) => {
            if (response === null || response === undefined || !socket.connected) return;
            const { event, data: eventData } = response as { event?: string; data?: unknown };
            if (typeof event === 'string' && event !== '') socket.emit(event, eventData);
            else if (!isAckHandledManually && ack !== undefined) ack(response);
          },
          error: (error: unknown) =>
            this.logger.error({ err: error, event: message }, 'a socket event handler failed'),
        });
      });
    }
  }

  /**
   * Browsers always send Origin on a WebSocket or XHR handshake, so a foreign one is
   * refused; other clients (servers, scripts) send none and authenticate like anyone.
   */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    return origin === undefined || this.allowedOrigins.includes(origin);
  }
}
