import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { KafkaAdapterConstructor } from '@scale-chat/socket-io-kafka-adapter';
import type { IncomingMessage } from 'node:http';
import type { Server, ServerOptions } from 'socket.io';

/**
 * The transport's limit (Socket.IO's default): an event up to this size is read and
 * answered (`payload_too_large` for a body over 4,000 characters); a bigger packet is a
 * protocol violation and engine.io closes that connection.
 */
const MAX_PACKET_BYTES = 1024 * 1024;

/**
 * Nest's Socket.IO server, clustered through Kafka: the adapter shares broadcasts and
 * rooms with every other gateway instance, connection-state recovery works across them,
 * browsers may connect only from the allowed origins, and packets are size-limited.
 */
export class KafkaIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly clusterAdapter: KafkaAdapterConstructor,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    return super.createIOServer(port, {
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
