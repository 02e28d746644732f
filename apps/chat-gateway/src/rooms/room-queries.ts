import type { EntityManager } from 'typeorm';
import type { RoomStatus } from './room.entities';
import { roomView, type MemberRow, type RoomRow } from './room-views';

export interface RoomRecord extends RoomRow {
  status: RoomStatus;
  inactive_user_ids: string[] | null;
}

/** A room's row whatever its status; `lock` holds it until the transaction ends. */
export async function findRoom(
  manager: EntityManager,
  roomId: string,
  lock = false,
): Promise<RoomRecord | undefined> {
  const [room] = (await manager.query(
    `SELECT "id", "name", "owner_id", "last_seq", "last_version", "created_at", "status", "inactive_user_ids"
       FROM "rooms" WHERE "id" = $1${lock ? ' FOR UPDATE' : ''}`,
    [roomId],
  )) as RoomRecord[];
  return room;
}

/** The room as API.md shows it: with its active members, first joined first. */
export async function roomWithMembers(manager: EntityManager, room: RoomRow) {
  const members = (await manager.query(
    `SELECT "user_id", "role", "joined_at" FROM "room_members"
      WHERE "room_id" = $1 AND "status" = 'active' ORDER BY "joined_at", "user_id"`,
    [room.id],
  )) as MemberRow[];
  return roomView(room, members);
}
