import type { MessageView } from '@scale-chat/contracts';

/**
 * The seq of the first message the reader had not read when the room was opened, where
 * the "new messages" divider goes. API.md's `unreadCount` counts the others' messages
 * after the reader's cursor that are not deleted (a deleted message is nothing to read),
 * so it is the `unreadCount`-th such message from the end. Undefined when nothing is
 * unread or those messages are not loaded.
 */
/** A message that counts as unread for `meId` after the cursor: someone else's, not deleted. */
export function isUnreadKind(
  message: Pick<MessageView, 'senderId' | 'deletedAt'>,
  meId: string,
): boolean {
  return message.senderId !== meId && message.deletedAt === null;
}

export function firstUnreadSeq(
  items: readonly Pick<MessageView, 'seq' | 'senderId' | 'deletedAt'>[],
  meId: string,
  unreadCount: number,
): number | undefined {
  if (unreadCount <= 0) return undefined;
  let seen = 0;
  for (let index = items.length - 1; index >= 0; index--) {
    const message = items[index];
    if (message === undefined || !isUnreadKind(message, meId)) continue;
    seen += 1;
    if (seen === unreadCount) return message.seq;
  }
  return undefined;
}

/** Above this a message is shown collapsed, with "Show more". */
const LONG = { characters: 700, lines: 12 } as const;

export function isLongMessage(body: string): boolean {
  return [...body].length > LONG.characters || body.split('\n').length > LONG.lines;
}

/**
 * "Seen by" under this user's messages: each other reader under the latest of this user's
 * messages at or before their read cursor, so never under one they have not reached, nor
 * under a deleted one (there is nothing left of it to have seen).
 */
export function readersBySeq(
  items: readonly Pick<MessageView, 'seq' | 'senderId' | 'deletedAt'>[],
  cursors: Iterable<readonly [string, number]>,
  meId: string,
): Map<number, string[]> {
  const readers = new Map<number, string[]>();
  for (const [userId, cursor] of cursors) {
    if (userId === meId) continue;
    const mine = items
      .filter(
        (message) =>
          message.senderId === meId && message.seq <= cursor && message.deletedAt === null,
      )
      .at(-1);
    if (mine !== undefined) readers.set(mine.seq, [...(readers.get(mine.seq) ?? []), userId]);
  }
  return readers;
}

/** What a message's item is given that is compared by what it holds rather than identity. */
interface ComparedByContent {
  readonly quoted?: { readonly message: unknown; readonly senderName: string } | undefined;
  readonly seenBy?: readonly string[] | undefined;
}

/**
 * Whether two renders of one message's item would show the same: every prop the same
 * value (the list keeps callbacks and shared objects the same from render to render),
 * and the quote and the readers, which are made afresh each render, the same content.
 */
export function sameItemProps<P extends ComparedByContent>(a: P, b: P): boolean {
  const { quoted: quotedA, seenBy: seenByA, ...restA } = a;
  const { quoted: quotedB, seenBy: seenByB, ...restB } = b;
  const keys = Object.keys(restA) as (keyof typeof restA)[];
  return (
    keys.length === Object.keys(restB).length &&
    keys.every((key) => Object.is(restA[key], restB[key])) &&
    quotedA?.message === quotedB?.message &&
    quotedA?.senderName === quotedB?.senderName &&
    (seenByA ?? []).join('\n') === (seenByB ?? []).join('\n')
  );
}
