import type { MessageView, RoomSummaryView, RoomView } from '@scale-chat/contracts';
import { roomTitle } from './room-name';
import type { PendingMessage } from './send-queue';
import type { User } from './validate';

/** The chat's state as components read it (ChatStore's snapshots), and names drawn from it. */

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface RoomMessages {
  /** Ascending by seq, without gaps. */
  readonly items: readonly MessageView[];
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
}

/**
 * Why a room could not be shown: `offline` (no answer: retried when the connection is
 * back), `error` (the server failed: retried in a while), `gone` (403/404: the room does
 * not exist or the user is not a member; never retried).
 */
export type LoadFailure = 'offline' | 'error' | 'gone';

export interface ChatState {
  readonly connection: ConnectionState;
  readonly rooms: readonly RoomSummaryView[];
  readonly roomsLoaded: boolean;
  readonly details: ReadonlyMap<string, RoomView>;
  readonly messages: ReadonlyMap<string, RoomMessages>;
  readonly pending: readonly PendingMessage[];
  /** roomId → users typing there now. */
  readonly typing: ReadonlyMap<string, readonly string[]>;
  /** roomId → userId → the highest seq that user has read (room views, then `read` events). */
  readonly reads: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** userId → online, from the room views' members, then `presence` events; absent while unknown. */
  readonly presence: ReadonlyMap<string, boolean>;
  readonly users: ReadonlyMap<string, User>;
  /** Users the server no longer knows (404): deleted accounts. */
  readonly deletedUsers: ReadonlySet<string>;
  readonly openRoomId: string | null;
  /** Rooms whose details or messages failed to load, and why. */
  readonly loadFailures: ReadonlyMap<string, LoadFailure>;
  /** roomId → the seq of the first message unread when the room was opened. */
  readonly firstUnread: ReadonlyMap<string, number>;
  /** A message to show (a search result, a reply's quote): MessageList scrolls to it. */
  readonly focus: { readonly roomId: string; readonly seq: number } | null;
  /** The browser's idea of the network (`online`/`offline` events). */
  readonly online: boolean;
  readonly error: string | null;
}

/** What a deleted account is called wherever its name would be. */
export const DELETED_ACCOUNT = 'Deleted account';

/**
 * A user's name on screen: "Deleted account" for one the server no longer knows (even
 * when its name was known before: deleted while this page was open), the display name,
 * or a short id while it is being looked up.
 */
export function nameOfUser(
  state: Pick<ChatState, 'users' | 'deletedUsers'>,
  userId: string,
): string {
  if (state.deletedUsers.has(userId)) return DELETED_ACCOUNT;
  return state.users.get(userId)?.displayName ?? `user ${userId.slice(0, 8)}`;
}

/** A room's name on screen: a direct room's is the other person's (room-name.ts). */
export function titleOfRoom(state: ChatState, roomId: string, meId: string): string {
  const details = state.details.get(roomId);
  const room = details ?? state.rooms.find((candidate) => candidate.id === roomId);
  if (room === undefined) return '';
  return roomTitle(room, details?.members, meId, (id) =>
    state.deletedUsers.has(id) ? DELETED_ACCOUNT : state.users.get(id)?.displayName,
  );
}
