import { randomUUID } from 'node:crypto';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A direct room's two users as the unique index holds them: the lower id first. */
export function directPair(callerId: string, userId: string): [string, string] {
  if (callerId === userId)
    throw new BadRequestException('A direct room is with another user, not with yourself');
  return callerId < userId ? [callerId, userId] : [userId, callerId];
}

/** 404 unless chat knows the user: every account gets a profile in its signup saga. */
export async function requireKnownUser(manager: EntityManager, userId: string): Promise<void> {
  const [profile] = (await manager.query(`SELECT 1 FROM "profiles" WHERE "user_id" = $1`, [
    userId,
  ])) as unknown[];
  if (profile === undefined) throw new NotFoundException('User not found');
}

/**
 * Stores a pending direct room of the pair, opened by `openerId`, with both users as
 * pending members; undefined when the pair already has one that is not cancelled. The
 * unique index decides, also between two instances asking at the same moment: the later
 * insert waits for the earlier transaction and then does nothing.
 */
export async function insertDirectRoom(
  manager: EntityManager,
  openerId: string,
  [low, high]: readonly [string, string],
): Promise<string | undefined> {
  const [inserted] = (await manager.query(
    `INSERT INTO "rooms" ("id", "kind", "name", "owner_id", "status", "direct_user_low", "direct_user_high")
     VALUES ($1, 'direct', NULL, $2, 'pending', $3, $4)
     ON CONFLICT ("direct_user_low", "direct_user_high") WHERE "status" <> 'cancelled' DO NOTHING
     RETURNING "id"`,
    [randomUUID(), openerId, low, high],
  )) as { id: string }[];
  if (inserted === undefined) return undefined;
  await manager.query(
    `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
     SELECT $1, id, 'member', 'pending' FROM unnest($2::uuid[]) AS id`,
    [inserted.id, [low, high]],
  );
  return inserted.id;
}

/** The pair's direct room that is pending or active, if there is one. */
export async function findDirectRoomId(
  manager: EntityManager,
  [low, high]: readonly [string, string],
): Promise<string | undefined> {
  const [room] = (await manager.query(
    `SELECT "id" FROM "rooms"
      WHERE "direct_user_low" = $1 AND "direct_user_high" = $2 AND "status" <> 'cancelled'`,
    [low, high],
  )) as { id: string }[];
  return room?.id;
}
