import { CHAT_ROOM_EVENTS_TOPIC, ROOM_EVENT_TYPES, type MemberLeft } from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';

/**
 * The rule for a room whose owner is no longer one of its active members (it left, by
 * itself or with its account): the room passes to its longest-standing active member
 * (the earliest `joinedAt`, then the lowest id, the order the room lists its members in),
 * who becomes `owner`. Runs under the room's lock, after the memberships changed: after a
 * leave, and after a membership is activated (a member added while the owner, the last
 * one, left). Returns the new owner, or undefined when nothing changed (the owner is
 * still a member, or nobody is).
 */
export async function passOwnership(
  manager: EntityManager,
  roomId: string,
): Promise<string | undefined> {
  const [heirs] = (await manager.query(
    `UPDATE "rooms" r SET "owner_id" = heir."user_id"
       FROM (SELECT "user_id" FROM "room_members"
              WHERE "room_id" = $1 AND "status" = 'active'
              ORDER BY "joined_at", "user_id" LIMIT 1) heir
      WHERE r."id" = $1
        AND NOT EXISTS (SELECT 1 FROM "room_members" o
                         WHERE o."room_id" = r."id" AND o."user_id" = r."owner_id"
                           AND o."status" = 'active')
      RETURNING r."owner_id"`,
    [roomId],
  )) as [{ owner_id: string }[], number];
  const heir = heirs[0]?.owner_id;
  if (heir === undefined) return undefined;
  await manager.query(
    `UPDATE "room_members" SET "role" = 'owner' WHERE "room_id" = $1 AND "user_id" = $2`,
    [roomId, heir],
  );
  return heir;
}

/**
 * A membership that was just deleted (in this transaction, under the room's lock): the
 * room passes on if its owner left (`passOwnership`), and `member.left` says who owns
 * it now when that changed.
 */
export async function announceLeave(
  manager: EntityManager,
  roomId: string,
  userId: string,
  reason: MemberLeft['reason'],
): Promise<void> {
  const newOwnerId = await passOwnership(manager, roomId);
  await enqueueEvent<MemberLeft>(manager, {
    topic: CHAT_ROOM_EVENTS_TOPIC,
    key: roomId,
    type: ROOM_EVENT_TYPES.memberLeft,
    data: { roomId, userId, reason, ...(newOwnerId === undefined ? {} : { newOwnerId }) },
  });
}
