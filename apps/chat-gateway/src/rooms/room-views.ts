import type {
  MemberRole,
  MemberView,
  MessageView,
  ReactionView,
  RoomKind,
  RoomMemberView,
  RoomView,
} from '@scale-chat/contracts';

/** A `messages` row as raw SQL returns it (bigint as text). */
export interface MessageRow {
  id: string;
  room_id: string;
  seq: string | number;
  sender_id: string;
  body: string;
  client_msg_id: string;
  created_at: Date;
  version: string | number;
  edited_at: Date | null;
  deleted_at: Date | null;
  reply_to_seq: string | number | null;
  reactions: ReactionView[];
  mentions: string[];
}

/** The columns of a MessageRow, for raw SQL that returns messages. */
export const MESSAGE_COLUMNS = `"id", "room_id", "seq", "sender_id", "body", "client_msg_id", "created_at",
  "version", "edited_at", "deleted_at", "reply_to_seq", "reactions", "mentions"`;

/** A MessageRow as `to_jsonb` gives it: its times as strings. */
export type JsonMessageRow = Omit<MessageRow, 'created_at' | 'edited_at' | 'deleted_at'> & {
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
};

const dateOrNull = (time: string | null) => (time === null ? null : new Date(time));

export function fromJson(row: JsonMessageRow): MessageRow {
  return {
    ...row,
    created_at: new Date(row.created_at),
    edited_at: dateOrNull(row.edited_at),
    deleted_at: dateOrNull(row.deleted_at),
  };
}

const isoOrNull = (time: Date | null) => (time === null ? null : time.toISOString());

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    body: row.body,
    clientMsgId: row.client_msg_id,
    createdAt: row.created_at.toISOString(),
    version: Number(row.version),
    editedAt: isoOrNull(row.edited_at),
    deletedAt: isoOrNull(row.deleted_at),
    replyToSeq: row.reply_to_seq === null ? null : Number(row.reply_to_seq),
    reactions: row.reactions,
    mentions: row.mentions,
  };
}

export interface MemberRow {
  user_id: string;
  role: MemberRole;
  joined_at: Date;
}

export function memberView(row: MemberRow): MemberView {
  return { userId: row.user_id, role: row.role, joinedAt: row.joined_at.toISOString() };
}

/** A member with what a room shows of it (v1.1): presence and read cursor. */
export interface RoomMemberRow extends MemberRow {
  online: boolean;
  last_read_seq: string | number;
}

export function roomMemberView(row: RoomMemberRow): RoomMemberView {
  return { ...memberView(row), online: row.online, lastReadSeq: Number(row.last_read_seq) };
}

export interface RoomRow {
  id: string;
  kind: RoomKind;
  name: string | null;
  owner_id: string;
  last_seq: string | number;
  last_version: string | number;
  created_at: Date;
}

export function roomView(room: RoomRow, members: readonly RoomMemberRow[]): RoomView {
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    ownerId: room.owner_id,
    members: members.map(roomMemberView),
    lastSeq: Number(room.last_seq),
    lastVersion: Number(room.last_version),
    createdAt: room.created_at.toISOString(),
  };
}
