import { ForbiddenException, NotFoundException } from '@nestjs/common';
import type { MemberRole, RoomKind } from '@scale-chat/contracts';
import { ParseIdPipe } from '@scale-chat/platform';
import type { RoomsRepository } from './rooms.repository';

const ROOM_NOT_FOUND = 'Room not found';
export const roomNotFound = () => new NotFoundException(ROOM_NOT_FOUND);
/** Path ids: one that is not a UUID names no room (404), or no member of it. */
export const ROOM_ID = new ParseIdPipe(ROOM_NOT_FOUND);
export const MEMBER_ID = new ParseIdPipe('The user is not a member of this room');
export const notAMember = () => new ForbiddenException('You are not a member of this room');

/**
 * The caller's place in a room: 404 when there is no active room of that id, 403 when
 * the caller is not one of its active members. Every room operation starts here.
 */
export async function requireMember(
  rooms: RoomsRepository,
  roomId: string,
  userId: string,
): Promise<{ role: MemberRole; lastSeq: number; kind: RoomKind }> {
  const row = await rooms.membership(roomId, userId);
  if (row === undefined) throw roomNotFound();
  if (row.role === null || row.member_status !== 'active') throw notAMember();
  return { role: row.role, lastSeq: Number(row.last_seq), kind: row.kind };
}

/** A direct room's two members are fixed: nobody joins or leaves it (API.md v1.1). */
export function requireGroup(kind: RoomKind): void {
  if (kind === 'direct')
    throw new ForbiddenException('Members cannot be added to or removed from a direct room');
}
