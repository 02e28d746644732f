import type { MessageView } from '@scale-chat/contracts';

/** A message as a fresh send leaves it (`version = seq`, never changed), for unit specs. */
export function messageFixture(
  fields: Pick<MessageView, 'id' | 'roomId' | 'seq' | 'senderId' | 'body' | 'clientMsgId'> &
    Partial<MessageView>,
): MessageView {
  return {
    createdAt: '2026-12-04T00:00:00.000Z',
    version: fields.seq,
    editedAt: null,
    deletedAt: null,
    replyToSeq: null,
    reactions: [],
    mentions: [],
    ...fields,
  };
}
