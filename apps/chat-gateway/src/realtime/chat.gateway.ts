import { Inject } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayInit,
} from '@nestjs/websockets';
import { AccessTokenVerifier } from '@scale-chat/access-tokens';
import type { Server, Socket } from 'socket.io';
import { authenticateSockets, type SocketUser } from './socket-authentication';

/** Every socket of a login is in this room, on whichever instance it is. */
export const loginRoom = (familyId: string) => `login:${familyId}`;
/** Every socket of a user is in this room, on whichever instance it is. */
export const userRoom = (userId: string) => `user:${userId}`;

/**
 * The Socket.IO endpoint of API.md on the default namespace; every socket is
 * authenticated. On shutdown Nest closes the server, which drops this instance's
 * sockets as "server shutting down": a reason Socket.IO recovers from, so they come back
 * on another instance with their state.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection {
  @WebSocketServer()
  private readonly server!: Server;

  constructor(@Inject(AccessTokenVerifier) private readonly verifier: AccessTokenVerifier) {}

  afterInit(server: Server): void {
    server.use(authenticateSockets(this.verifier));
  }

  handleConnection(socket: Socket): void {
    if (socket.recovered) return; // its rooms came back with it
    const { user } = socket.data as SocketUser;
    void socket.join([userRoom(user.userId), loginRoom(user.familyId)]);
  }

  /** Closes the sockets in `room` on every instance. */
  disconnectRoom(room: string): void {
    this.server.in(room).disconnectSockets(true);
  }
}
