import {
  isUuid,
  type MemberJoined,
  type MemberLeft,
  type MemberView,
  type MessageChanged,
  type MessageSent,
  type MessageView,
  type ReactionView,
  type RoomCreated,
  type RoomMemberView,
  type RoomView,
} from '@scale-chat/contracts';

type Fields = Record<string, unknown>;

function record(value: unknown, name: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${name} is not an object`);
  return value as Fields;
}

function uuid(value: unknown, name: string): string {
  if (!isUuid(value)) throw new Error(`${name} is not a UUID`);
  return value;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new Error(`${name} is not a string`);
  return value;
}

function count(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} is not a whole number`);
  return value;
}

function timeOrNull(value: unknown, name: string): string | null {
  return value === null ? null : text(value, name);
}

function list<T>(value: unknown, name: string, item: (value: unknown) => T): T[] {
  if (!Array.isArray(value)) throw new Error(`${name} is not a list`);
  return value.map(item);
}

function reaction(value: unknown): ReactionView {
  const fields = record(value, 'reaction');
  return {
    emoji: text(fields['emoji'], 'reaction.emoji'),
    userIds: list(fields['userIds'], 'reaction.userIds', (id) => uuid(id, 'reaction.userId')),
  };
}

function member(value: unknown): MemberView {
  const fields = record(value, 'member');
  const role = fields['role'];
  if (role !== 'owner' && role !== 'member') throw new Error('member.role is not known');
  return {
    userId: uuid(fields['userId'], 'member.userId'),
    role,
    joinedAt: text(fields['joinedAt'], 'member.joinedAt'),
  };
}

/** Events written before v1.1 lack a member's `online` and `lastReadSeq`: offline, none read. */
function roomMember(value: unknown): RoomMemberView {
  const fields = record(value, 'member');
  const online = fields['online'] ?? false;
  if (typeof online !== 'boolean') throw new Error('member.online is not a boolean');
  return {
    ...member(value),
    online,
    lastReadSeq: count(fields['lastReadSeq'] ?? 0, 'member.lastReadSeq'),
  };
}

/** Rooms of events written before v1.1 have no `kind`: they are groups. */
function room(value: unknown): RoomView {
  const fields = record(value, 'room');
  const members = fields['members'];
  if (!Array.isArray(members)) throw new Error('room.members is not a list');
  const kind = fields['kind'] ?? 'group';
  if (kind !== 'group' && kind !== 'direct') throw new Error('room.kind is not known');
  const name = fields['name'];
  return {
    id: uuid(fields['id'], 'room.id'),
    kind,
    name: kind === 'direct' && name === null ? null : text(name, 'room.name'),
    ownerId: uuid(fields['ownerId'], 'room.ownerId'),
    members: members.map(roomMember),
    lastSeq: count(fields['lastSeq'], 'room.lastSeq'),
    // A v1 event (before versions): every change was a message (MessageVersions migration).
    lastVersion: count(fields['lastVersion'] ?? fields['lastSeq'], 'room.lastVersion'),
    createdAt: text(fields['createdAt'], 'room.createdAt'),
  };
}

/**
 * A message of an event. One of v1 (before versions) has none of v1.1's fields and means
 * what the MessageVersions migration made of it: `version = seq`, never changed.
 */
function message(value: unknown): MessageView {
  const fields = record(value, 'message');
  const seq = count(fields['seq'], 'message.seq');
  const replyToSeq = fields['replyToSeq'] ?? null;
  return {
    id: uuid(fields['id'], 'message.id'),
    roomId: uuid(fields['roomId'], 'message.roomId'),
    seq,
    senderId: uuid(fields['senderId'], 'message.senderId'),
    body: text(fields['body'], 'message.body'),
    clientMsgId: text(fields['clientMsgId'], 'message.clientMsgId'),
    createdAt: text(fields['createdAt'], 'message.createdAt'),
    version: count(fields['version'] ?? seq, 'message.version'),
    editedAt: timeOrNull(fields['editedAt'] ?? null, 'message.editedAt'),
    deletedAt: timeOrNull(fields['deletedAt'] ?? null, 'message.deletedAt'),
    replyToSeq: replyToSeq === null ? null : count(replyToSeq, 'message.replyToSeq'),
    reactions: list(fields['reactions'] ?? [], 'message.reactions', reaction),
    mentions: list(fields['mentions'] ?? [], 'message.mentions', (id) =>
      uuid(id, 'message.mention'),
    ),
  };
}

export function parseMessageSent(data: unknown): MessageSent {
  return { message: message(record(data, 'data')['message']) };
}

/** `message.edited`, `message.deleted`, `reaction.added`, `reaction.removed`. */
export function parseMessageChanged(data: unknown): MessageChanged {
  const fields = record(data, 'data');
  const emoji = fields['emoji'];
  return {
    message: message(fields['message']),
    userId: uuid(fields['userId'], 'userId'),
    ...(emoji === undefined ? {} : { emoji: text(emoji, 'emoji') }),
  };
}

export function parseRoomCreated(data: unknown): RoomCreated {
  return { room: room(record(data, 'data')['room']) };
}

export function parseMemberJoined(data: unknown): MemberJoined {
  const fields = record(data, 'data');
  return {
    roomId: uuid(fields['roomId'], 'roomId'),
    member: member(fields['member']),
    room: room(fields['room']),
  };
}

const LEFT_REASONS: readonly string[] = ['left', 'removed', 'account-deleted'];

export function parseMemberLeft(data: unknown): MemberLeft {
  const fields = record(data, 'data');
  const reason = fields['reason'];
  if (typeof reason !== 'string' || !LEFT_REASONS.includes(reason))
    throw new Error('reason is not known');
  const newOwnerId = fields['newOwnerId'];
  return {
    roomId: uuid(fields['roomId'], 'roomId'),
    userId: uuid(fields['userId'], 'userId'),
    reason: reason as MemberLeft['reason'],
    ...(newOwnerId === undefined ? {} : { newOwnerId: uuid(newOwnerId, 'newOwnerId') }),
  };
}
