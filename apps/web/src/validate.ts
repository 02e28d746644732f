import type {
  ChangesPage,
  MessageView,
  ReactionView,
  RoomMemberView,
  RoomSummaryView,
  RoomView,
  TokenPair,
  UserView,
  StatsBucket,
  StatsSummary,
  WordCountView,
} from '@scale-chat/contracts';

/**
 * Runtime checks of what the server sends before it is rendered or stored: a value of
 * the wrong shape is dropped (a list keeps its valid items) rather than trusted. React
 * escapes the text itself; these guards keep the state's types true.
 */
export type Guard<T> = (value: unknown) => value is T;

/** API.md's user and login answer, as the server's code declares them. */
export type User = UserView;
export type Session = TokenPair;

type Fields = Record<string, 'string' | 'number' | 'boolean' | 'object'>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function hasFields(value: unknown, fields: Fields): value is Record<string, unknown> {
  return (
    isRecord(value) && Object.entries(fields).every(([key, type]) => typeof value[key] === type)
  );
}

export const isUser: Guard<User> = (value): value is User =>
  hasFields(value, {
    id: 'string',
    username: 'string',
    displayName: 'string',
    status: 'string',
    createdAt: 'string',
  }) &&
  (value['status'] === 'active' || value['status'] === 'pending');

export const isSession: Guard<Session> = (value): value is Session =>
  hasFields(value, { accessToken: 'string', refreshToken: 'string', expiresIn: 'number' }) &&
  value['tokenType'] === 'Bearer' &&
  isUser(value['user']);

const isStringOrNull = (value: unknown): value is string | null =>
  value === null || typeof value === 'string';

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

export const isCount = (value: unknown): value is number =>
  Number.isInteger(value) && Number(value) >= 0;

const isReaction: Guard<ReactionView> = (value): value is ReactionView =>
  hasFields(value, { emoji: 'string' }) && isStringArray(value['userIds']);

/** API.md's message, with v1.1's version, edit and deletion times, reply, reactions, mentions. */
export const isMessage: Guard<MessageView> = (value): value is MessageView =>
  hasFields(value, {
    id: 'string',
    roomId: 'string',
    seq: 'number',
    senderId: 'string',
    body: 'string',
    clientMsgId: 'string',
    createdAt: 'string',
  }) &&
  isCount(value['seq']) &&
  isCount(value['version']) &&
  isStringOrNull(value['editedAt']) &&
  isStringOrNull(value['deletedAt']) &&
  (value['replyToSeq'] === null || isCount(value['replyToSeq'])) &&
  Array.isArray(value['reactions']) &&
  value['reactions'].every(isReaction) &&
  isStringArray(value['mentions']);

const isMember: Guard<RoomMemberView> = (value): value is RoomMemberView =>
  hasFields(value, { userId: 'string', role: 'string', joinedAt: 'string', online: 'boolean' }) &&
  isCount(value['lastReadSeq']);

/** v1.1: a group room has a name; a direct one has `null` (it is named by the other person). */
function hasKindAndName(value: Record<string, unknown>): boolean {
  return value['kind'] === 'direct'
    ? isStringOrNull(value['name'])
    : value['kind'] === 'group' && typeof value['name'] === 'string';
}

export const isRoom: Guard<RoomView> = (value): value is RoomView =>
  hasFields(value, {
    id: 'string',
    ownerId: 'string',
    lastSeq: 'number',
    lastVersion: 'number',
    createdAt: 'string',
  }) &&
  hasKindAndName(value) &&
  Array.isArray(value['members']) &&
  value['members'].every(isMember);

export const isRoomSummary: Guard<RoomSummaryView> = (value): value is RoomSummaryView =>
  hasFields(value, {
    id: 'string',
    lastSeq: 'number',
    lastVersion: 'number',
    unreadCount: 'number',
    mentionCount: 'number',
    memberCount: 'number',
  }) &&
  hasKindAndName(value) &&
  (value['lastMessage'] === null || isMessage(value['lastMessage']));

/** `GET …/changes` and `sync` by `afterVersion`: the valid messages and the room's last version. */
export function changesOf(value: unknown): ChangesPage | undefined {
  if (!isRecord(value) || !isCount(value['lastVersion'])) return undefined;
  return { ...listOf(value, isMessage), lastVersion: value['lastVersion'] };
}

export const isMemberEvent: Guard<{ roomId: string; userId: string }> = (
  value,
): value is { roomId: string; userId: string } =>
  hasFields(value, { roomId: 'string', userId: 'string' });

export const isTypingEvent: Guard<{ roomId: string; userId: string; typing: boolean }> = (
  value,
): value is { roomId: string; userId: string; typing: boolean } =>
  hasFields(value, { roomId: 'string', userId: 'string', typing: 'boolean' });

export const isReadEvent: Guard<{ roomId: string; userId: string; seq: number }> = (
  value,
): value is { roomId: string; userId: string; seq: number } =>
  hasFields(value, { roomId: 'string', userId: 'string', seq: 'number' });

export const isPresenceEvent: Guard<{ userId: string; online: boolean }> = (
  value,
): value is { userId: string; online: boolean } =>
  hasFields(value, { userId: 'string', online: 'boolean' });

export interface Page<T> {
  readonly items: T[];
  readonly hasMore: boolean;
}

/** `{items: [...], hasMore?}`: the valid items of a list answer. */
export function listOf<T>(value: unknown, guard: Guard<T>): Page<T> {
  if (!isRecord(value) || !Array.isArray(value['items'])) return { items: [], hasMore: false };
  return { items: value['items'].filter(guard), hasMore: value['hasMore'] === true };
}

export type { StatsSummary };

export const isStatsSummary: Guard<StatsSummary> = (value): value is StatsSummary =>
  hasFields(value, {
    users: 'number',
    rooms: 'number',
    messages: 'number',
    messagesLastHour: 'number',
    signupsToday: 'number',
  } satisfies Record<keyof StatsSummary, 'number'>);

export const isBucket: Guard<StatsBucket> = (value): value is StatsBucket =>
  hasFields(value, { t: 'string', count: 'number' } satisfies Record<
    keyof StatsBucket,
    Fields[string]
  >);

export const isWordCount: Guard<WordCountView> = (value): value is WordCountView =>
  hasFields(value, { word: 'string', count: 'number' } satisfies Record<
    keyof WordCountView,
    Fields[string]
  >);

export type Ack =
  | { readonly ok: true; readonly body: Readonly<Record<string, unknown>> }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      /** How long the server asks to wait before trying again (`rate_limited`). */
      readonly retryAfterSeconds?: number;
    };

/** A Socket.IO acknowledgement of API.md (`{ok: true, ...}` or `{ok: false, error}`). */
export function readAck(answer: unknown): Ack {
  if (!isRecord(answer)) return { ok: false, code: 'internal', message: 'malformed answer' };
  if (answer['ok'] === true) return { ok: true, body: answer };
  const error = answer['error'];
  if (!hasFields(error, { code: 'string', message: 'string' }))
    return { ok: false, code: 'internal', message: 'malformed answer' };
  const code = String(error['code']);
  const message = String(error['message']);
  const retryAfterSeconds = retryAfterSecondsOf(error);
  return retryAfterSeconds === undefined
    ? { ok: false, code, message }
    : { ok: false, code, message, retryAfterSeconds };
}

/**
 * The wait a refusal asks for: `retryAfterSeconds` of an acknowledgement's error or of a
 * `rate_limited` handshake refusal's `data`, when it is one.
 */
export function retryAfterSecondsOf(error: unknown): number | undefined {
  const wait = isRecord(error) ? error['retryAfterSeconds'] : undefined;
  return typeof wait === 'number' && Number.isFinite(wait) && wait >= 0 ? wait : undefined;
}

export const isRoomLeftEvent: Guard<{ roomId: string }> = (value): value is { roomId: string } =>
  hasFields(value, { roomId: 'string' });
