import type { MessageView } from '@scale-chat/contracts';

/**
 * Messages held for a room, with what the server sent merged in: each message kept in its
 * latest state (the higher `version` wins, so an answer that was on its way while a newer
 * change came live cannot undo it), ascending by `seq`. With `fromSeq`, changes to
 * messages older than the loaded window are left out, so the window keeps no gaps.
 */
export function mergeMessages(
  items: readonly MessageView[],
  added: readonly MessageView[],
  fromSeq?: number,
): MessageView[] {
  const bySeq = new Map(items.map((message) => [message.seq, message]));
  for (const message of added) {
    if (fromSeq !== undefined && message.seq < fromSeq) continue;
    const held = bySeq.get(message.seq);
    if (held === undefined || held.version <= message.version) bySeq.set(message.seq, message);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
