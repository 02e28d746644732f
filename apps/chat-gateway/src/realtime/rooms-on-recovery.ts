import type { RecoveringSession } from '@scale-chat/socket-io-kafka-adapter';
import type { RoomsService } from '../rooms/rooms.service';
import { chatRoom, isChatRoom, isLoginRoom } from './live-rooms';
import type { ChatSocketData } from './socket-authentication';

/**
 * What a socket coming back within the recovery window may keep, decided before Socket.IO
 * restores it and replays what it missed: its own and its user's rooms, and the chat rooms
 * its user is still an active member of. A room it was removed from, left or that was
 * deleted while it was away is not restored, and nothing broadcast to it is replayed.
 * Its login's room is joined again from the new token (`ChatGateway`), and a session
 * without a user restores nothing. The handshake's token is checked after this, and must
 * be the same user's (`authenticateSockets`).
 */
export function roomsOnRecovery(rooms: Pick<RoomsService, 'roomIdsOf'>) {
  return async ({ data, rooms: previous }: RecoveringSession) => {
    const userId = (data as ChatSocketData | undefined)?.user?.userId;
    if (typeof userId !== 'string') return undefined;
    const current = new Set((await rooms.roomIdsOf(userId)).map(chatRoom));
    return previous.filter(
      (room) => !isLoginRoom(room) && (!isChatRoom(room) || current.has(room)),
    );
  };
}
