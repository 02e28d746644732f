import type { RoomKind } from '@scale-chat/contracts';
import { CHAT_LIMITS } from './limits';

/**
 * Whether a new room's name is longer than API.md's 100 characters, counted as the server
 * counts them (code points: an emoji is one), after trimming, as it is sent.
 */
export function roomNameTooLong(input: string): boolean {
  return [...input.trim()].length > CHAT_LIMITS.roomNameMax;
}

/**
 * What a room is called on screen. A group room has its name; a direct room has none
 * (API.md v1.1) and is called by the other person's display name, or by a placeholder
 * while its members or that person are not known yet.
 */
export function roomTitle(
  room: { readonly kind: RoomKind; readonly name: string | null },
  members: readonly { readonly userId: string }[] | undefined,
  meId: string,
  nameOf: (userId: string) => string | undefined,
): string {
  if (room.kind === 'group') return room.name ?? '';
  const other = members?.find((member) => member.userId !== meId);
  // Only an account's deletion takes the other person out of a direct room.
  if (members !== undefined && other === undefined) return 'Deleted account';
  return (other === undefined ? undefined : nameOf(other.userId)) ?? 'Direct message';
}

/**
 * The room and sender of a message shown outside its room (a search result), for one
 * line: the sender is left out when the room is already called by that name (a direct
 * room, the other person's message), rather than said twice.
 */
export function roomAndSender(room: string, sender: string): readonly string[] {
  return room === sender ? [room] : [room, sender];
}
