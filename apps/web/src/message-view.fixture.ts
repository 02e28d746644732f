import type { MessageView } from '@scale-chat/contracts';

export const ROOM_ID = 'room-1';
export const OTHER_ID = 'other';

/** For unit specs: message `seq` of ROOM_ID at `version`, by OTHER_ID, as the server sends it. */
export function messageView(
  seq: number,
  version: number,
  patch: Partial<MessageView> = {},
): MessageView {
  return {
    id: `id-${seq}`,
    roomId: ROOM_ID,
    seq,
    senderId: OTHER_ID,
    body: `m${seq}`,
    clientMsgId: `c-${seq}`,
    createdAt: '2026-12-05T00:00:00.000Z',
    version,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    reactions: [],
    mentions: [],
    ...patch,
  };
}
