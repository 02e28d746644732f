import type { EntityManager } from 'typeorm';
import type { RoomStatus } from './room.entities';
import { roomView, type RoomMemberRow, type RoomRow } from './room-views';

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
    `SELECT "id", "kind", "name", "owner_id", "last_seq", "last_version", "created_at", "status",
            "inactive_user_ids"
       FROM "rooms" WHERE "id" = $1${lock ? ' FOR UPDATE' : ''}`,
    [roomId],
  )) as RoomRecord[];
  return room;
}

/**
 * The room as API.md shows it: with its active members, first joined first, each with its
 * read cursor and whether it is online. Online is what PresenceService announces: a user
 * with a socket row on any instance (rows of a dead instance go with its sweep, when the
 * others announce them offline), so the view and the `presence` events agree.
 */
export async function roomWithMembers(manager: EntityManager, room: RoomRow) {
  const members = (await manager.query(
    `SELECT m."user_id", m."role", m."joined_at", m."last_read_seq",
            EXISTS (SELECT 1 FROM "presence_sockets" p WHERE p."user_id" = m."user_id") AS "online"
       FROM "room_members" m
      WHERE m."room_id" = $1 AND m."status" = 'active' ORDER BY m."joined_at", m."user_id"`,
    [room.id],
  )) as RoomMemberRow[];
  return roomView(room, members);
}
