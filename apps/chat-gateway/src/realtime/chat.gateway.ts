import { Inject } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayInit } from '@nestjs/websockets';
import { AccessTokenVerifier } from '@scale-chat/access-tokens';
import type { Server } from 'socket.io';
import { authenticateSockets } from './socket-authentication';

/**
 * The Socket.IO endpoint of API.md on the default namespace; every socket is
 * authenticated. On shutdown Nest closes the server, which drops this instance's
 * sockets as "server shutting down": a reason Socket.IO recovers from, so they come back
 * on another instance with their state.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit {
  constructor(@Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier) {}

  afterInit(server: Server): void {
    server.use(authenticateSockets(this.verifier));
  }
}
