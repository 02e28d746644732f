/**
 * The bound's server, in a process of its own (forked by load.ts's `boundServer`) so that
 * it and the load generator each have an event loop, as our gateways do: Socket.IO in
 * memory, each socket in the room its handshake names (`auth.roomId`), numbering each
 * room's sends, acknowledging them and broadcasting a message shaped as the stack's (same
 * fields, so the same bytes to encode and parse). Sends its port to the parent when it
 * listens, and exits when the parent goes, however it goes (the IPC channel closes).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessageView } from '@scale-chat/contracts';
import { Server } from 'socket.io';
import type { SendAck } from './load';

const http = createServer();
const io = new Server(http);
const seqs = new Map<string, number>();
io.on('connection', (socket) => {
  const { userId, roomId } = socket.handshake.auth as { userId: string; roomId: string };
  void socket.join(roomId);
  socket.on(
    'message:send',
    (payload: { clientMsgId: string; body: string }, ack: (answer: SendAck) => void) => {
      const seq = (seqs.get(roomId) ?? 0) + 1;
      seqs.set(roomId, seq);
      const message: MessageView = {
        id: crypto.randomUUID(),
        roomId,
        seq,
        senderId: userId,
        body: payload.body,
        clientMsgId: payload.clientMsgId,
        createdAt: new Date().toISOString(),
        version: seq,
        editedAt: null,
        deletedAt: null,
        replyToSeq: null,
        reactions: [],
        mentions: [],
      };
      io.to(roomId).emit('message:new', message);
      ack({ ok: true, message });
    },
  );
});
process.on('disconnect', () => process.exit(0));
http.listen(0, '127.0.0.1', () => process.send?.({ port: (http.address() as AddressInfo).port }));
