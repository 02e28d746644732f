import type { RoomSummaryView } from '@scale-chat/contracts';

/**
 * What the tab title and the system notifications say, from two snapshots of the room
 * list (chat-store.ts): pure, so the rules are unit-tested without a browser.
 */

export const APP_TITLE = 'scale-chat';

/** The longest notification text: the system truncates anyway, and a whole essay helps no one. */
const BODY_LIMIT = 140;

/** Unread messages over every room. */
export function unreadTotal(rooms: readonly RoomSummaryView[]): number {
  return rooms.reduce((total, room) => total + room.unreadCount, 0);
}

/** "(3) scale-chat": the count shows in the tab strip and the taskbar. */
export function titleFor(total: number): string {
  if (total <= 0) return APP_TITLE;
  return `(${total > 99 ? '99+' : String(total)}) ${APP_TITLE}`;
}

/**
 * The rooms whose newest message arrived between `before` and `after`, from someone
 * else, in a room the user is not looking at (`lookingAt`: the open room while the page
 * is visible, else null). Rooms absent from `before` are left out: the first load of the
 * list, or a room just joined, is not news.
 */
export function arrivals(
  before: readonly RoomSummaryView[],
  after: readonly RoomSummaryView[],
  meId: string,
  lookingAt: string | null,
): RoomSummaryView[] {
  const known = new Map(before.map((room) => [room.id, room.lastSeq]));
  return after.filter((room) => {
    const previous = known.get(room.id);
    const last = room.lastMessage;
    return (
      previous !== undefined &&
      room.lastSeq > previous &&
      last !== null &&
      last.seq === room.lastSeq &&
      last.senderId !== meId &&
      room.id !== lookingAt
    );
  });
}

export interface Alert {
  readonly title: string;
  readonly body: string;
  /** One notification per room: a newer one replaces it. */
  readonly tag: string;
}

/** A direct room is titled by the sender; a group room by its name, the sender in the text. */
export function alertFor(room: RoomSummaryView, senderName: string): Alert {
  const text = room.lastMessage?.body ?? '';
  const short = text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT - 1)}…` : text;
  return room.name === null
    ? { title: senderName, body: short, tag: room.id }
    : { title: room.name, body: `${senderName}: ${short}`, tag: room.id };
}
