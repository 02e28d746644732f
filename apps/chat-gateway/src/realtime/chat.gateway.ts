import { Inject, type OnModuleDestroy } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { AccessTokenVerifier } from '@scale-chat/access-tokens';
import type { Server } from 'socket.io';
import { authenticateSockets } from './socket-authentication';

/** The Socket.IO endpoint of API.md on the default namespace; every socket is authenticated. */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnModuleDestroy {
  private server: Server | undefined;

  constructor(@Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier) {}

  afterInit(server: Server): void {
    this.server = server;
    server.use(authenticateSockets(this.verifier));
  }

  onModuleDestroy(): void {
    // Sockets drop with "server shutting down": recoverable on another instance.
    this.server?.disconnectSockets(true);
  }
}
