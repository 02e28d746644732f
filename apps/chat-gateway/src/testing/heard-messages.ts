import { randomUUID } from 'node:crypto';
import type { MessageView, SocketAck } from '@scale-chat/contracts';
import type { Socket } from 'socket.io-client';

export type Heard = { event: 'message:new' | 'message:updated'; message: MessageView };

/** Every message:new and message:updated a socket hears, in order. */
export function listen(socket: Socket): Heard[] {
  const heard: Heard[] = [];
  for (const event of ['message:new', 'message:updated'] as const)
    socket.on(event, (message: MessageView) => heard.push({ event, message }));
  return heard;
}

/**
 * Resolves once `condition` holds, checking every 50 ms; fails after 20 s, saying `what`
 * (a function: what was seen by then).
 */
export async function until(
  condition: () => boolean,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`not within 20 s: ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** An event's acknowledgement (a message by default); fails after 10 s without one. */
export const ask = <T extends object = { message: MessageView }>(
  socket: Socket,
  event: string,
  payload: unknown,
) => socket.timeout(10_000).emitWithAck(event, payload) as Promise<SocketAck<T>>;

/** A `message:send` of `body` that must succeed: the stored message. */
export async function sendOver(socket: Socket, roomId: string, body: string): Promise<MessageView> {
  const sent = await ask(socket, 'message:send', { roomId, clientMsgId: randomUUID(), body });
  if (!sent.ok) throw new Error(`message:send refused: ${sent.error.message}`);
  return sent.message;
}

/** The `ws` WebSocket under a socket.io-client socket: paused, it reads nothing more. */
export const webSocketOf = (socket: Socket) =>
  (socket.io.engine.transport as unknown as { ws: { pause(): void; resume(): void } }).ws;
