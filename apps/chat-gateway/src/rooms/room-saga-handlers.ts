import {
  CHAT_ROOM_EVENTS_TOPIC,
  isUuid,
  ROOM_EVENT_TYPES,
  type MemberJoined,
  type RoomCreated,
  type RoomSagaPayload,
  type SagaCommand,
} from '@scale-chat/contracts';
import { enqueueEvent, type CommandOutcome } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { findRoom, roomWithMembers } from './room-queries';
import { announceLeave, passOwnership } from './room-ownership';
import { memberView, type MemberRow } from './room-views';

function roomSagaPayload(command: SagaCommand): RoomSagaPayload | string {
  const { roomId, kind, userIds, inactiveUserIds } = command.payload;
  if (!isUuid(roomId)) return 'roomId is not a UUID';
  if (kind !== 'room' && kind !== 'membership') return 'kind is not room or membership';
  if (!Array.isArray(userIds) || userIds.length === 0 || !userIds.every(isUuid))
    return 'userIds is not a list of UUIDs';
  const inactive = Array.isArray(inactiveUserIds) ? inactiveUserIds.filter(isUuid) : [];
  return { roomId, kind, userIds, inactiveUserIds: inactive };
}

/**
 * The room saga's last step: the pending room (with its pending members) or the pending
 * membership becomes active, and its event goes into the outbox for the gateways to join
 * the members' sockets. A repeat finds nothing pending and sends no second event.
 */
export async function activateRoom(
  command: SagaCommand,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const payload = roomSagaPayload(command);
  if (typeof payload === 'string') return { outcome: 'failed', reason: payload };
  const { roomId, kind, userIds } = payload;
  const room = await findRoom(manager, roomId, true);
  if (room === undefined || room.status === 'cancelled')
    return { outcome: 'failed', reason: 'the room is gone' };
  if (kind === 'room' && room.status === 'pending') {
    await manager.query(`UPDATE "rooms" SET "status" = 'active' WHERE "id" = $1`, [roomId]);
  }
  const [activated] = (await manager.query(
    `UPDATE "room_members" SET "status" = 'active', "joined_at" = now()
      WHERE "room_id" = $1 AND "user_id" = ANY($2::uuid[]) AND "status" = 'pending'
      RETURNING "user_id", "role", "joined_at"`,
    [roomId, userIds],
  )) as [MemberRow[], number];
  if (activated.length === 0) {
    // Done before (a repeated command), or the member left meanwhile: nothing to announce.
    return { outcome: 'succeeded' };
  }
  // Added while the owner, the room's last member, left: the room passes to a new member
  // (nobody else is there to hear it; the views below show it).
  const heir = await passOwnership(manager, roomId);
  const view = await roomWithMembers(manager, { ...room, owner_id: heir ?? room.owner_id });
  if (kind === 'room') {
    await enqueueEvent<RoomCreated>(manager, {
      topic: CHAT_ROOM_EVENTS_TOPIC,
      key: roomId,
      type: ROOM_EVENT_TYPES.roomCreated,
      data: { room: view },
    });
  } else {
    for (const member of activated) {
      await enqueueEvent<MemberJoined>(manager, {
        topic: CHAT_ROOM_EVENTS_TOPIC,
        key: roomId,
        type: ROOM_EVENT_TYPES.memberJoined,
        data: {
          roomId,
          member: memberView(member.user_id === heir ? { ...member, role: 'owner' } : member),
          room: view,
        },
      });
    }
  }
  return { outcome: 'succeeded' };
}

/**
 * The room saga's compensation: a pending room is cancelled (its members go; the row
 * stays with the ids that were not active, for the waiting caller), a pending membership
 * is deleted. Active rooms and members are never touched, so a repeat changes nothing.
 */
export async function cancelRoom(
  command: SagaCommand,
  manager: EntityManager,
): Promise<CommandOutcome> {
  const payload = roomSagaPayload(command);
  if (typeof payload === 'string') return { outcome: 'failed', reason: payload };
  const { roomId, kind, userIds, inactiveUserIds = [] } = payload;
  if (kind === 'room') {
    const [cancelled] = (await manager.query(
      `UPDATE "rooms" SET "status" = 'cancelled', "inactive_user_ids" = $2::uuid[]
        WHERE "id" = $1 AND "status" = 'pending' RETURNING "id"`,
      [roomId, inactiveUserIds],
    )) as [unknown[], number];
    if (cancelled.length > 0) {
      await manager.query(`DELETE FROM "room_members" WHERE "room_id" = $1`, [roomId]);
    }
  } else {
    await manager.query(
      `DELETE FROM "room_members"
        WHERE "room_id" = $1 AND "user_id" = ANY($2::uuid[]) AND "status" = 'pending'`,
      [roomId, userIds],
    );
  }
  return { outcome: 'succeeded' };
}

/**
 * The account-deletion saga: the user leaves every room (each room hears it), and
 * pending memberships go quietly.
 */
export async function removeUserFromRooms(userId: string, manager: EntityManager): Promise<void> {
  // Each room's lock first (in one order, so two such transactions never deadlock), as
  // every write of a room's events takes it: the rooms' events keep their commit order.
  await manager.query(
    `SELECT r."id" FROM "rooms" r JOIN "room_members" m ON m."room_id" = r."id"
      WHERE m."user_id" = $1 ORDER BY r."id" FOR UPDATE OF r`,
    [userId],
  );
  const [left] = (await manager.query(
    `DELETE FROM "room_members" WHERE "user_id" = $1 RETURNING "room_id", "status"`,
    [userId],
  )) as [{ room_id: string; status: string }[], number];
  for (const membership of left.filter((row) => row.status === 'active')) {
    await announceLeave(manager, membership.room_id, userId, 'account-deleted');
  }
}
