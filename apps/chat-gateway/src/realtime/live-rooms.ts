import { Injectable } from '@nestjs/common';
import { KafkaAdapter } from '@scale-chat/socket-io-kafka-adapter';
import type {
  MemberView,
  MessageView,
  RoomView,
  ServerToClientEvents,
} from '@scale-chat/contracts';
import type { DefaultEventsMap, Server } from 'socket.io';
import type { ChatSocketData } from './socket-authentication';

/** Every socket of a login is in this room, on whichever instance it is. */
export const loginRoom = (familyId: string) => `login:${familyId}`;
/** Every socket of a user is in this room, on whichever instance it is. */
export const userRoom = (userId: string) => `user:${userId}`;
/** Every socket of every active member of a chat room. */
export const chatRoom = (roomId: string) => `room:${roomId}`;
export const isLoginRoom = (room: string) => room.startsWith('login:');
export const isChatRoom = (room: string) => room.startsWith('room:');

export type ChatServer = Server<
  Record<string, never>,
  ServerToClientEvents,
  DefaultEventsMap,
  ChatSocketData
>;

/**
 * What the rest of chat-gateway may do to live sockets, on every instance at once
 * (through the cluster adapter): the Socket.IO server, given by the gateway once it exists.
 */
@Injectable()
export class LiveRooms {
  private server: ChatServer | undefined;

  attach(server: ChatServer): void {
    this.server = server;
  }

  /** Sockets connected to this instance (0 before the server exists). */
  localSocketCount(): number {
    return this.server?.of('/').sockets.size ?? 0;
  }

  /** The users of the sockets connected to this instance, by socket id. */
  localSockets(): Map<string, string> {
    const users = new Map<string, string>();
    for (const [id, socket] of this.server?.of('/').sockets ?? []) {
      const userId = socket.data.user?.userId;
      if (userId !== undefined) users.set(id, userId);
    }
    return users;
  }

  /** The logins (refresh-token families) of the sockets connected to this instance. */
  localLogins(): Set<string> {
    const logins = new Set<string>();
    for (const socket of this.server?.of('/').sockets.values() ?? []) {
      const familyId = socket.data.user?.familyId;
      if (familyId !== undefined) logins.add(familyId);
    }
    return logins;
  }

  /** Whether the socket `socketId` is connected to this instance now. */
  isLocal(socketId: string): boolean {
    return this.server?.of('/').sockets.get(socketId)?.connected === true;
  }

  private get io(): ChatServer {
    if (this.server === undefined) throw new Error('the Socket.IO server is not ready yet');
    return this.server;
  }

  /** Users' sockets join a chat room, and each user hears it joined. */
  joined(room: RoomView, members: readonly MemberView[]): void {
    const users = members.map((member) => userRoom(member.userId));
    this.io.in(users).socketsJoin(chatRoom(room.id));
    this.io.to(users).emit('room:joined', room);
  }

  /** The members already there hear of a new one (who is among them by now). */
  memberJoined(roomId: string, userId: string): void {
    this.io.to(chatRoom(roomId)).emit('member:joined', { roomId, userId });
  }

  /** A user's sockets leave a chat room; the user and the remaining members hear of it. */
  left(roomId: string, userId: string): void {
    this.io.in(userRoom(userId)).socketsLeave(chatRoom(roomId));
    this.io.to(userRoom(userId)).emit('room:left', { roomId });
    this.io.to(chatRoom(roomId)).emit('member:left', { roomId, userId });
  }

  /** The room's members hear who owns it now (its owner left). */
  ownerChanged(roomId: string, ownerId: string): void {
    this.io.to(chatRoom(roomId)).emit('room:owner', { roomId, ownerId });
  }

  messageStored(message: MessageView): void {
    this.io.to(chatRoom(message.roomId)).emit('message:new', message);
  }

  /** API.md v1.1: an edit, deletion or reaction, to the same sockets as `message:new`. */
  messageUpdated(message: MessageView): void {
    this.io.to(chatRoom(message.roomId)).emit('message:updated', message);
  }

  /** Resolves once every broadcast made so far is in Kafka for the other instances. */
  published(): Promise<void> {
    const { adapter } = this.io.of('/');
    return adapter instanceof KafkaAdapter ? adapter.published() : Promise.resolve();
  }

  /** See `KafkaAdapter.publishedWithin`; true at once without the cluster adapter. */
  publishedWithin(timeoutMs: number): Promise<boolean> {
    const { adapter } = this.io.of('/');
    return adapter instanceof KafkaAdapter
      ? adapter.publishedWithin(timeoutMs)
      : Promise.resolve(true);
  }

  /** Broadcasts the cluster adapter refused so far (see `KafkaAdapter.refusedBroadcasts`). */
  refusedBroadcasts(): number {
    const { adapter } = this.io.of('/');
    return adapter instanceof KafkaAdapter ? adapter.refusedBroadcasts() : 0;
  }

  read(roomId: string, userId: string, seq: number): void {
    this.io.to(chatRoom(roomId)).emit('read', { roomId, userId, seq });
  }

  /** To the room's members except the typist's own sockets. */
  typing(roomId: string, userId: string, typing: boolean): void {
    this.io
      .to(chatRoom(roomId))
      .except(userRoom(userId))
      .emit('typing', { roomId, userId, typing });
  }

  /** False when the user shares no room: nothing was broadcast. */
  presence(rooms: readonly string[], userId: string, online: boolean): boolean {
    if (rooms.length === 0) return false;
    this.io.to(rooms.map(chatRoom)).emit('presence', { userId, online });
    return true;
  }

  /**
   * A new socket hears its own user online, as a broadcast: Socket.IO's client asks for
   * recovery with the offset of the last broadcast it received, and without one it
   * cannot recover at all (socketio/socket.io#4888), so a socket whose rooms are quiet
   * would lose what it missed during its first disconnection.
   */
  seedRecoveryOffset(socketId: string, userId: string): void {
    this.io.to(socketId).emit('presence', { userId, online: true });
  }

  /** Closes the sockets in `room` on every instance. */
  disconnect(room: string): void {
    this.io.in(room).disconnectSockets(true);
  }

  /** Closes the sockets in `room` on this instance only. */
  disconnectLocal(room: string): void {
    this.io.local.in(room).disconnectSockets(true);
  }
}
