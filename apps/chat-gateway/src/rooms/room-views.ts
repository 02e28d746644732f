import type {
  MemberRole,
  MemberView,
  MessageView,
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
}

/** The columns of a MessageRow, for raw SQL that returns messages. */
export const MESSAGE_COLUMNS = `"id", "room_id", "seq", "sender_id", "body", "client_msg_id", "created_at"`;

export function messageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    roomId: row.room_id,
    seq: Number(row.seq),
    senderId: row.sender_id,
    body: row.body,
    clientMsgId: row.client_msg_id,
    createdAt: row.created_at.toISOString(),
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
    createdAt: room.created_at.toISOString(),
  };
}
