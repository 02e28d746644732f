import type {
  ChangesPage,
  EditMessagePayload,
  MessageAck,
  MessageRefPayload,
  ReactionPayload,
  ReactionView,
  SyncByVersionPayload,
} from './message-changes';
import { defineTopic, ROOM_RECORD_MAX_BYTES } from './topics';

/** The limits of API.md's "Rooms and messages" rules, shared by server and clients. */
export const CHAT_LIMITS = {
  roomNameMax: 100,
  bodyMax: 4_000,
  clientMsgIdMax: 64,
  pageDefault: 50,
  pageMax: 200,
  syncDefault: 100,
  syncMax: 500,
  /** Users named in one room creation besides its owner. */
  initialMembersMax: 100,
  /**
   * Members a room may have, pending ones included: `member.joined` and `room:joined`
   * carry the whole room (about 135 bytes a member), and each add is a room saga, so a
   * room without a cap could be grown until its records pass Kafka's `max.message.bytes`
   * and stop the outbox relay. A creation stays far below it (`initialMembersMax`).
   */
  roomMembersMax: 1_000,
} as const;

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/**
 * A text's length in API.md's characters: Unicode code points, so an emoji counts once
 * (JavaScript's `length` counts it twice). Every check of a limit above uses it.
 */
export function characterCount(text: string): number {
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}

/**
 * Control characters (a line break, a bell) and the bidirectional embeddings, overrides
 * and isolates, which make a name display as other than it reads (U+202E shows what
 * follows it backwards).
 */
const NAME_CONTROLS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
/**
 * Characters that show nothing, or a blank, and have no place in a name: every format
 * character (zero-width space, word joiner, invisible operators, the byte order mark,
 * the soft hyphen, interlinear annotations, tags, ...) but those scripts need, line and
 * paragraph separators, the Hangul fillers, the blank Braille pattern. The joiners of
 * Persian, Indic scripts and emoji (U+200C, U+200D), the right-to-left marks (U+200E,
 * U+200F, U+061C) and the Arabic number signs stay; tags only as a subdivision's flag.
 */
const NAME_INVISIBLES =
  /(?![\u200C-\u200F\u061C\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2])[\p{Cf}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0\u2800]/u;
/** A subdivision's flag: 🏴, its letters as tags, the cancel tag. */
const SUBDIVISION_FLAGS = /\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,6}\u{E007F}/gu;
/** Something a reader sees: a letter, a digit, a punctuation mark or a symbol (an emoji). */
const NAME_VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * What is wrong with `name` as a name people see (a display name, a room's), said after
 * the field's name; undefined when nothing is. Found by a security review: names that
 * showed blank, or hid characters, let a user pass for nobody or for another.
 */
export function nameProblem(name: string): string | undefined {
  if (NAME_CONTROLS.test(name))
    return 'must not contain control characters (line breaks, tabs, direction overrides)';
  if (NAME_INVISIBLES.test(name.replace(SUBDIVISION_FLAGS, '')))
    return 'must not contain invisible characters (zero-width spaces, fillers, separators)';
  // Spaces alone are left to the field's own rule (a display name of them is none).
  if (name.trim() !== '' && !NAME_VISIBLE.test(name))
    return 'must show a letter, a digit or a symbol';
  return undefined;
}

export type MemberRole = 'owner' | 'member';

export interface MemberView {
  readonly userId: string;
  readonly role: MemberRole;
  readonly joinedAt: string;
}

/** v1.1: `direct` rooms are one per pair of users, without a name; every other room is a `group`. */
export type RoomKind = 'group' | 'direct';

/** A member as a room shows it (v1.1): its presence and read cursor when the room was read. */
export interface RoomMemberView extends MemberView {
  /** As the `presence` event would say now: the user holds a socket on some instance. */
  readonly online: boolean;
  /** The member's read cursor: the highest `seq` it has read, 0 before any. */
  readonly lastReadSeq: number;
}

export interface RoomView {
  readonly id: string;
  readonly kind: RoomKind;
  /** `null` for a direct room. */
  readonly name: string | null;
  readonly ownerId: string;
  readonly members: readonly RoomMemberView[];
  readonly lastSeq: number;
  /** v1.1: the room's latest change (message-changes.ts). */
  readonly lastVersion: number;
  readonly createdAt: string;
}

export interface MessageView {
  readonly id: string;
  readonly roomId: string;
  readonly seq: number;
  readonly senderId: string;
  readonly body: string;
  readonly clientMsgId: string;
  readonly createdAt: string;
  /** v1.1 (message-changes.ts): the room's version of this message's latest change. */
  readonly version: number;
  readonly editedAt: string | null;
  readonly deletedAt: string | null;
  readonly replyToSeq: number | null;
  readonly reactions: readonly ReactionView[];
  readonly mentions: readonly string[];
}

export interface RoomSummaryView {
  readonly id: string;
  readonly kind: RoomKind;
  readonly name: string | null;
  readonly lastSeq: number;
  readonly lastVersion: number;
  readonly unreadCount: number;
  /** Messages after the caller's read cursor that mention the caller (v1.1). */
  readonly mentionCount: number;
  readonly lastMessage: MessageView | null;
  readonly memberCount: number;
}

/**
 * Everything that happens to a room, in the room's order (keyed by room id): what the
 * gateways turn into socket events and what the log-consumer counts.
 */
export const CHAT_ROOM_EVENTS_TOPIC = defineTopic({
  name: 'chat.room-events',
  key: 'roomId',
  partitions: 6,
  config: {
    // Kept for good: the log-consumer rebuilds its figures from the start (docs/stats.md).
    'retention.ms': '-1',
    'max.message.bytes': String(ROOM_RECORD_MAX_BYTES),
  },
});

export const ROOM_EVENT_TYPES = {
  roomCreated: 'room.created',
  memberJoined: 'member.joined',
  memberLeft: 'member.left',
  messageSent: 'message.sent',
} as const;

/** `room.created`: the room's saga finished; `room` lists its first members and its `kind`. */
export interface RoomCreated {
  readonly room: RoomView;
}

/** `member.joined`: a user was added to an existing room; `room` as it is with them. */
export interface MemberJoined {
  readonly roomId: string;
  readonly member: MemberView;
  readonly room: RoomView;
}

/** `member.left`: a user left or was removed (or its account was deleted). */
export interface MemberLeft {
  readonly roomId: string;
  readonly userId: string;
  readonly reason: 'left' | 'removed' | 'account-deleted';
  /** When the owner left: the member the room passed to (docs/security.md). */
  readonly newOwnerId?: string;
}

/** `message.sent`: a message was stored with its `seq`. */
export interface MessageSent {
  readonly message: MessageView;
}

/** The codes of a failed Socket.IO acknowledgement (API.md). */
export type SocketErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'payload_too_large'
  | 'internal';

/**
 * Why a handshake was refused: the message of its `connect_error` (API.md: `unauthorized`;
 * docs/chat.md: the others). `internal` when the token could not be checked at all.
 */
export type HandshakeErrorCode =
  'unauthorized' | 'too_many_connections' | 'rate_limited' | 'internal';

/**
 * A failed acknowledgement's `error` (API.md). Beyond the contract, a `rate_limited` one
 * says in `retryAfterSeconds` when the same event may go again, as `Retry-After` does
 * over REST; so does a `rate_limited` handshake refusal's `data`.
 */
export interface SocketAckError {
  readonly code: SocketErrorCode;
  readonly message: string;
  readonly retryAfterSeconds?: number;
}

export type SocketAck<T extends object = object> =
  ({ readonly ok: true } & T) | { readonly ok: false; readonly error: SocketAckError };

export interface SendMessagePayload {
  readonly roomId: string;
  readonly clientMsgId: string;
  readonly body: string;
  /** v1.1; `null`, as a message view says it, is no reply too. */
  readonly replyToSeq?: number | null;
}
export interface TypingPayload {
  readonly roomId: string;
  readonly typing: boolean;
}
export interface ReadPayload {
  readonly roomId: string;
  readonly seq: number;
}
export interface SyncPayload {
  readonly roomId: string;
  readonly afterSeq: number;
  readonly limit?: number;
}

/** What a `sync` answers: a page of messages by `seq`, or of changes by `version`. */
export type SyncPage = { items: MessageView[]; hasMore: boolean } | ChangesPage;

/** Client → server events of API.md; each takes an acknowledgement callback. */
export interface ClientToServerEvents {
  'message:send': (
    payload: SendMessagePayload,
    ack: (answer: SocketAck<{ message: MessageView }>) => void,
  ) => void;
  typing: (payload: TypingPayload, ack: (answer: SocketAck) => void) => void;
  read: (payload: ReadPayload, ack: (answer: SocketAck) => void) => void;
  /** By `afterSeq`: `{items, hasMore}`; by `afterVersion` (v1.1): a `ChangesPage`. */
  sync: (
    payload: SyncPayload | SyncByVersionPayload,
    ack: (answer: SocketAck<SyncPage>) => void,
  ) => void;
  'message:edit': (payload: EditMessagePayload, ack: MessageAck) => void;
  'message:delete': (payload: MessageRefPayload, ack: MessageAck) => void;
  'reaction:add': (payload: ReactionPayload, ack: MessageAck) => void;
  'reaction:remove': (payload: ReactionPayload, ack: MessageAck) => void;
}

/** Server → client events of API.md. */
export interface ServerToClientEvents {
  'message:new': (message: MessageView) => void;
  'message:updated': (message: MessageView) => void;
  typing: (event: { roomId: string; userId: string; typing: boolean }) => void;
  read: (event: { roomId: string; userId: string; seq: number }) => void;
  'room:joined': (room: RoomView) => void;
  'room:left': (event: { roomId: string }) => void;
  'member:joined': (event: { roomId: string; userId: string }) => void;
  'member:left': (event: { roomId: string; userId: string }) => void;
  /** Beyond API.md: the owner left and the room passed to `ownerId` (docs/security.md). */
  'room:owner': (event: { roomId: string; ownerId: string }) => void;
  presence: (event: { userId: string; online: boolean }) => void;
}
