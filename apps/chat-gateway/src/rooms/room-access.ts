import { ForbiddenException, NotFoundException } from '@nestjs/common';
import type { MemberRole } from '@scale-chat/contracts';
import type { EntityManager } from 'typeorm';

export const roomNotFound = () => new NotFoundException('Room not found');
export const notAMember = () => new ForbiddenException('You are not a member of this room');

/**
 * The caller's place in a room: 404 when there is no active room of that id, 403 when
 * the caller is not one of its active members. Every room operation starts here.
 */
export async function requireMember(
  manager: EntityManager,
  roomId: string,
  userId: string,
): Promise<{ role: MemberRole; lastSeq: number }> {
  const [row] = (await manager.query(
    `SELECT r."last_seq", m."role", m."status" AS "member_status"
       FROM "rooms" r LEFT JOIN "room_members" m ON m."room_id" = r."id" AND m."user_id" = $2
      WHERE r."id" = $1 AND r."status" = 'active'`,
    [roomId, userId],
  )) as { last_seq: string; role: MemberRole | null; member_status: string | null }[];
  if (row === undefined) throw roomNotFound();
  if (row.role === null || row.member_status !== 'active') throw notAMember();
  return { role: row.role, lastSeq: Number(row.last_seq) };
}
