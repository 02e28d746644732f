import type { MessageView, RoomSummaryView, RoomView } from '@scale-chat/contracts';
import { roomTitle } from './room-name';
import type { PendingMessage } from './send-queue';
import { distinctName, sharedNames } from './user-names';
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

/** A person as shown: their name, and their username while the account is known. */
export interface Person {
  readonly name: string;
  readonly username: string | undefined;
}

/**
 * A user as shown: "Deleted account" for one the server no longer knows (even when its
 * name was known before: deleted while this page was open), the display name, or a short
 * id while it is being looked up.
 */
export function personOf(state: Pick<ChatState, 'users' | 'deletedUsers'>, userId: string): Person {
  const user = state.deletedUsers.has(userId) ? undefined : state.users.get(userId);
  if (user !== undefined) return { name: user.displayName, username: user.username };
  const name = state.deletedUsers.has(userId) ? DELETED_ACCOUNT : `user ${userId.slice(0, 8)}`;
  return { name, username: undefined };
}

/** The last `sharedNamesOf`, by the maps it came from (the store replaces them, never edits). */
let sharedMemo:
  (Pick<ChatState, 'details' | 'users'> & { shared: ReadonlySet<string> }) | undefined;

/**
 * The display names more than one person goes by among the members of this user's rooms
 * (of those whose members are loaded: every direct room, a group room once opened), this
 * user too; worked out again only when the rooms' members or the users change.
 */
export function sharedNamesOf(state: Pick<ChatState, 'details' | 'users'>): ReadonlySet<string> {
  if (sharedMemo?.details === state.details && sharedMemo.users === state.users)
    return sharedMemo.shared;
  const people = [...state.details.values()].flatMap((room) =>
    room.members.flatMap((member) => state.users.get(member.userId) ?? []),
  );
  const shared = sharedNames(people);
  sharedMemo = { details: state.details, users: state.users, shared };
  return shared;
}

/**
 * A user's name on screen (`personOf`), with the username when someone else in this user's
 * rooms goes by the same name.
 */
export function nameOfUser(
  state: Pick<ChatState, 'users' | 'deletedUsers' | 'details'>,
  userId: string,
): string {
  const { name, username } = personOf(state, userId);
  return username === undefined
    ? name
    : distinctName({ displayName: name, username }, sharedNamesOf(state));
}

/**
 * A room's name on screen: a direct room's is the other person's (room-name.ts), with
 * their username when their name is not theirs alone.
 */
export function titleOfRoom(
  state: Pick<ChatState, 'details' | 'rooms' | 'users' | 'deletedUsers'>,
  roomId: string,
  meId: string,
): string {
  const details = state.details.get(roomId);
  const room = details ?? state.rooms.find((candidate) => candidate.id === roomId);
  if (room === undefined) return '';
  return roomTitle(room, details?.members, meId, (id) =>
    state.deletedUsers.has(id) || state.users.has(id) ? nameOfUser(state, id) : undefined,
  );
}
