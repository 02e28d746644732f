import { CHAT_ROOM_EVENTS_TOPIC, ROOM_EVENT_TYPES, type MemberLeft } from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';

/**
 * The rule for an owner who leaves (by itself, or with its account): the room passes to
 * its longest-standing active member (the earliest `joinedAt`, then the lowest id, the
 * order the room lists its members in), who becomes `owner`. Runs in the leave's
 * transaction, under the room's lock, after the leaver's membership is gone. Returns the
 * new owner, or undefined when the leaver did not own the room or nobody is left in it.
 */
async function passOwnership(
  manager: EntityManager,
  roomId: string,
  leaverId: string,
): Promise<string | undefined> {
  const [heirs] = (await manager.query(
    `UPDATE "rooms" r SET "owner_id" = heir."user_id"
       FROM (SELECT "user_id" FROM "room_members"
              WHERE "room_id" = $1 AND "status" = 'active'
              ORDER BY "joined_at", "user_id" LIMIT 1) heir
      WHERE r."id" = $1 AND r."owner_id" = $2
      RETURNING r."owner_id"`,
    [roomId, leaverId],
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
  const newOwnerId = await passOwnership(manager, roomId, userId);
  await enqueueEvent<MemberLeft>(manager, {
    topic: CHAT_ROOM_EVENTS_TOPIC,
    key: roomId,
    type: ROOM_EVENT_TYPES.memberLeft,
    data: { roomId, userId, reason, ...(newOwnerId === undefined ? {} : { newOwnerId }) },
  });
}
