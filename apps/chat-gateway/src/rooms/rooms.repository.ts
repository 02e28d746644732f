import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { MemberRole, RoomKind, RoomView } from '@scale-chat/contracts';
import type { EntityManager } from 'typeorm';
import type { RoomStatus } from './room.entities';
import {
  MESSAGE_COLUMNS,
  roomView,
  type JsonMessageRow,
  type MemberRow,
  type RoomMemberRow,
  type RoomRow,
} from './room-views';

export interface RoomRecord extends RoomRow {
  status: RoomStatus;
  inactive_user_ids: string[] | null;
}

/** A room of the caller's list, with its counts and last message as one query reads them. */
export interface RoomSummaryRow {
  id: string;
  kind: RoomKind;
  name: string | null;
  last_seq: string;
  last_version: string;
  unread_count: number;
  mention_count: number;
  member_count: number;
  last_message: JsonMessageRow | null;
}

/** A user's place in an active room: no role when it is not a member at all. */
export interface MembershipRow {
  last_seq: string;
  kind: RoomKind;
  role: MemberRole | null;
  member_status: string | null;
}

/**
 * The rooms feature's SQL: rooms, memberships and ownership. Injected, it reads and writes
 * through the pool; `in(manager)` gives the same queries inside the caller's transaction.
 */
@Injectable()
export class RoomsRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): RoomsRepository {
    return new RoomsRepository(manager);
  }

  /** A pending group room with its pending members, `ownerId` as owner. */
  async insertPendingRoom(
    roomId: string,
    name: string,
    ownerId: string,
    userIds: readonly string[],
  ): Promise<void> {
    await this.manager.query(
      `INSERT INTO "rooms" ("id", "name", "owner_id", "status") VALUES ($1, $2, $3, 'pending')`,
      [roomId, name, ownerId],
    );
    await this.manager.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
       SELECT $1, id, CASE WHEN id = $2 THEN 'owner' ELSE 'member' END, 'pending'
         FROM unnest($3::uuid[]) AS id`,
      [roomId, ownerId, userIds],
    );
  }

  /**
   * Stores a pending direct room of the pair, opened by `openerId`, with both users as
   * pending members; undefined when the pair already has one that is not cancelled. The
   * unique index decides, also between two instances asking at the same moment: the later
   * insert waits for the earlier transaction and then does nothing.
   */
  async insertDirectRoom(
    openerId: string,
    [low, high]: readonly [string, string],
  ): Promise<string | undefined> {
    const [inserted] = (await this.manager.query(
      `INSERT INTO "rooms" ("id", "kind", "name", "owner_id", "status", "direct_user_low", "direct_user_high")
     VALUES ($1, 'direct', NULL, $2, 'pending', $3, $4)
     ON CONFLICT ("direct_user_low", "direct_user_high") WHERE "status" <> 'cancelled' DO NOTHING
     RETURNING "id"`,
      [randomUUID(), openerId, low, high],
    )) as { id: string }[];
    if (inserted === undefined) return undefined;
    await this.manager.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
     SELECT $1, id, 'member', 'pending' FROM unnest($2::uuid[]) AS id`,
      [inserted.id, [low, high]],
    );
    return inserted.id;
  }

  /** The pair's direct room that is pending or active, if there is one. */
  async findDirectRoomId([low, high]: readonly [string, string]): Promise<string | undefined> {
    const [room] = (await this.manager.query(
      `SELECT "id" FROM "rooms"
      WHERE "direct_user_low" = $1 AND "direct_user_high" = $2 AND "status" <> 'cancelled'`,
      [low, high],
    )) as { id: string }[];
    return room?.id;
  }

  /**
   * The user's rooms, most recent activity first, with unread counts (a deleted message
   * is nothing to read), the unread messages that mention the user (like unread ones,
   * never the user's own; a deleted message mentions nobody), and last messages.
   */
  async summariesOf(userId: string): Promise<RoomSummaryRow[]> {
    return (await this.manager.query(
      `SELECT r."id", r."kind", r."name", r."last_seq", r."last_version",
              (SELECT count(*) FROM "messages" u
                WHERE u."room_id" = r."id" AND u."seq" > GREATEST(m."last_read_seq", m."joined_seq") AND u."sender_id" <> $1
                  AND u."deleted_at" IS NULL
              )::int AS "unread_count",
              (SELECT count(*) FROM "messages" u
                WHERE u."room_id" = r."id" AND u."seq" > GREATEST(m."last_read_seq", m."joined_seq") AND u."sender_id" <> $1
                  AND $1::uuid = ANY (u."mentions")
              )::int AS "mention_count",
              (SELECT count(*) FROM "room_members" c
                WHERE c."room_id" = r."id" AND c."status" = 'active')::int AS "member_count",
              to_jsonb(last) AS "last_message"
         FROM "room_members" m
         JOIN "rooms" r ON r."id" = m."room_id" AND r."status" = 'active'
         LEFT JOIN LATERAL (SELECT ${MESSAGE_COLUMNS} FROM "messages" x
                             WHERE x."room_id" = r."id" AND x."seq" = r."last_seq") last ON true
        WHERE m."user_id" = $1 AND m."status" = 'active'
        ORDER BY r."last_activity_at" DESC, r."id"`,
      [userId],
    )) as RoomSummaryRow[];
  }

  /** The active room of that id with `userId`'s membership of it, if the room exists. */
  async membership(roomId: string, userId: string): Promise<MembershipRow | undefined> {
    const [row] = (await this.manager.query(
      `SELECT r."last_seq", r."kind", m."role", m."status" AS "member_status"
       FROM "rooms" r LEFT JOIN "room_members" m ON m."room_id" = r."id" AND m."user_id" = $2
      WHERE r."id" = $1 AND r."status" = 'active'`,
      [roomId, userId],
    )) as MembershipRow[];
    return row;
  }

  /** The active rooms `userId` is an active member of. */
  async roomIdsOf(userId: string): Promise<string[]> {
    const rows = (await this.manager.query(
      `SELECT m."room_id" FROM "room_members" m
         JOIN "rooms" r ON r."id" = m."room_id" AND r."status" = 'active'
        WHERE m."user_id" = $1 AND m."status" = 'active'`,
      [userId],
    )) as { room_id: string }[];
    return rows.map((row) => row.room_id);
  }

  /** A room's row whatever its status; `lock` holds it until the transaction ends. */
  async findRoom(roomId: string, lock = false): Promise<RoomRecord | undefined> {
    const [room] = (await this.manager.query(
      `SELECT "id", "kind", "name", "owner_id", "last_seq", "last_version", "created_at", "status",
            "inactive_user_ids"
       FROM "rooms" WHERE "id" = $1${lock ? ' FOR UPDATE' : ''}`,
      [roomId],
    )) as RoomRecord[];
    return room;
  }

  /**
   * The room as API.md shows it: with its active members, first joined first, each with
   * its read cursor and whether it is online. Online is what PresenceService announces: a
   * user with a socket row on any instance (rows of a dead instance go with its sweep, when
   * the others announce them offline), so the view and the `presence` events agree.
   */
  async roomWithMembers(room: RoomRow): Promise<RoomView> {
    const members = (await this.manager.query(
      `SELECT m."user_id", m."role", m."joined_at", m."last_read_seq",
            EXISTS (SELECT 1 FROM "presence_sockets" p WHERE p."user_id" = m."user_id") AS "online"
       FROM "room_members" m
      WHERE m."room_id" = $1 AND m."status" = 'active' ORDER BY m."joined_at", m."user_id"`,
      [room.id],
    )) as RoomMemberRow[];
    return roomView(room, members);
  }

  /** A pending membership; a unique violation when the user has one already. */
  async insertPendingMember(roomId: string, userId: string): Promise<void> {
    // An earlier attempt's cancellation does not answer this one.
    await this.manager.query(
      `DELETE FROM "cancelled_memberships" WHERE "room_id" = $1 AND "user_id" = $2`,
      [roomId, userId],
    );
    await this.manager.query(
      `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
           VALUES ($1, $2, 'member', 'pending')`,
      [roomId, userId],
    );
  }

  /**
   * Of `userIds`, those in more than `max` rooms, counting pending memberships (each may
   * become active): after inserting one, the users it took past their limit.
   */
  async usersOverRoomLimit(userIds: readonly string[], max: number): Promise<string[]> {
    const rows = (await this.manager.query(
      `SELECT "user_id" FROM "room_members" WHERE "user_id" = ANY($1::uuid[])
        GROUP BY "user_id" HAVING count(*) > $2 ORDER BY "user_id"`,
      [userIds, max],
    )) as { user_id: string }[];
    return rows.map((row) => row.user_id);
  }

  /** The room's memberships, pending ones included (each may become active). */
  async memberCount(roomId: string): Promise<number> {
    const [row] = (await this.manager.query(
      `SELECT count(*)::int AS "n" FROM "room_members" WHERE "room_id" = $1`,
      [roomId],
    )) as { n: number }[];
    return row?.n ?? 0;
  }

  /** A membership in any status, with what a room shows of it (`roomWithMembers`). */
  async findMember(
    roomId: string,
    userId: string,
  ): Promise<(RoomMemberRow & { status: string }) | undefined> {
    const [member] = (await this.manager.query(
      `SELECT m."user_id", m."role", m."joined_at", m."status", m."last_read_seq",
              EXISTS (SELECT 1 FROM "presence_sockets" p WHERE p."user_id" = m."user_id") AS "online"
         FROM "room_members" m
        WHERE m."room_id" = $1 AND m."user_id" = $2`,
      [roomId, userId],
    )) as (RoomMemberRow & { status: string })[];
    return member;
  }

  /** Deletes an active membership; false when there was none. */
  async deleteActiveMember(roomId: string, userId: string): Promise<boolean> {
    const [, removed] = (await this.manager.query(
      `DELETE FROM "room_members" WHERE "room_id" = $1 AND "user_id" = $2 AND "status" = 'active'`,
      [roomId, userId],
    )) as [unknown, number];
    return removed > 0;
  }

  /**
   * The rule for a room whose owner is no longer one of its active members (it left, by
   * itself or with its account): the room passes to its longest-standing active member
   * (the earliest `joinedAt`, then the lowest id, the order the room lists its members in),
   * who becomes `owner`. Runs under the room's lock, after the memberships changed: after a
   * leave, and after a membership is activated (a member added while the owner, the last
   * one, left). Returns the new owner, or undefined when nothing changed (the owner is
   * still a member, or nobody is). A direct room has no owner to pass on: both its
   * members are `member` (API.md), and the one left stays so.
   */
  async passOwnership(roomId: string): Promise<string | undefined> {
    const [heirs] = (await this.manager.query(
      `UPDATE "rooms" r SET "owner_id" = heir."user_id"
       FROM (SELECT "user_id" FROM "room_members"
              WHERE "room_id" = $1 AND "status" = 'active'
              ORDER BY "joined_at", "user_id" LIMIT 1) heir
      WHERE r."id" = $1 AND r."kind" = 'group'
        AND NOT EXISTS (SELECT 1 FROM "room_members" o
                         WHERE o."room_id" = r."id" AND o."user_id" = r."owner_id"
                           AND o."status" = 'active')
      RETURNING r."owner_id"`,
      [roomId],
    )) as [{ owner_id: string }[], number];
    const heir = heirs[0]?.owner_id;
    if (heir === undefined) return undefined;
    await this.manager.query(
      `UPDATE "room_members" SET "role" = 'owner' WHERE "room_id" = $1 AND "user_id" = $2`,
      [roomId, heir],
    );
    return heir;
  }

  async activateRoom(roomId: string): Promise<void> {
    await this.manager.query(`UPDATE "rooms" SET "status" = 'active' WHERE "id" = $1`, [roomId]);
  }

  /**
   * Marks the pending memberships of `userIds` (stored in this transaction) as `sagaId`'s,
   * the saga just requested for them: its activation and cancellation act on these rows
   * only (`activatePendingMembers`, `cancelPendingMembers`).
   */
  async recordSaga(roomId: string, userIds: readonly string[], sagaId: string): Promise<void> {
    await this.manager.query(
      `UPDATE "room_members" SET "saga_id" = $3
        WHERE "room_id" = $1 AND "user_id" = ANY($2::uuid[]) AND "status" = 'pending'`,
      [roomId, userIds, sagaId],
    );
  }

  /**
   * The pending memberships of `userIds` that saga `sagaId` stored made active now; those
   * that were. A late copy of an earlier saga's command finds none of a newer saga's
   * rows; rows of no recorded saga (stored before it was recorded) are anyone's. Each
   * notes where it joined (`joined_seq`, the room's last message): what was said before is
   * there to read, not unread (nor a member's again after it left and came back), while
   * its read cursor stays what it has read. Under the room's lock (`findRoom`), as every
   * write of its events.
   */
  async activatePendingMembers(
    roomId: string,
    userIds: readonly string[],
    sagaId: string,
  ): Promise<MemberRow[]> {
    const [activated] = (await this.manager.query(
      `UPDATE "room_members"
          SET "status" = 'active', "joined_at" = now(),
              "joined_seq" = (SELECT "last_seq" FROM "rooms" WHERE "id" = $1)
      WHERE "room_id" = $1 AND "user_id" = ANY($2::uuid[]) AND "status" = 'pending'
        AND ("saga_id" IS NULL OR "saga_id" = $3)
      RETURNING "user_id", "role", "joined_at"`,
      [roomId, userIds, sagaId],
    )) as [MemberRow[], number];
    return activated;
  }

  /** A pending room cancelled, with its members gone; false when it was not pending. */
  async cancelPendingRoom(roomId: string, inactiveUserIds: readonly string[]): Promise<boolean> {
    const [cancelled] = (await this.manager.query(
      `UPDATE "rooms" SET "status" = 'cancelled', "inactive_user_ids" = $2::uuid[]
        WHERE "id" = $1 AND "status" = 'pending' RETURNING "id"`,
      [roomId, inactiveUserIds],
    )) as [unknown[], number];
    if (cancelled.length === 0) return false;
    await this.manager.query(`DELETE FROM "room_members" WHERE "room_id" = $1`, [roomId]);
    return true;
  }

  /**
   * The pending memberships of `userIds` that saga `sagaId` stored cancelled (as for
   * `activatePendingMembers`, never a newer saga's), and why kept for the requests waiting
   * on them (`cancelledMembership`): those of `inactiveUserIds` because the user was not
   * active, the others for the system's reason. Cancellations past an hour are cleared.
   */
  async cancelPendingMembers(
    roomId: string,
    userIds: readonly string[],
    inactiveUserIds: readonly string[],
    sagaId: string,
  ): Promise<void> {
    await this.manager.query(
      `WITH "cancelled" AS (
         DELETE FROM "room_members"
          WHERE "room_id" = $1 AND "user_id" = ANY($2::uuid[]) AND "status" = 'pending'
            AND ("saga_id" IS NULL OR "saga_id" = $4)
          RETURNING "user_id")
       INSERT INTO "cancelled_memberships" ("room_id", "user_id", "user_was_inactive")
       SELECT $1, "user_id", "user_id" = ANY($3::uuid[]) FROM "cancelled"
       ON CONFLICT ("room_id", "user_id") DO UPDATE
         SET "user_was_inactive" = EXCLUDED."user_was_inactive", "cancelled_at" = now()`,
      [roomId, userIds, inactiveUserIds, sagaId],
    );
    await this.manager.query(
      `DELETE FROM "cancelled_memberships" WHERE "cancelled_at" < now() - interval '1 hour'`,
    );
  }

  /** Whether the user was not active, when the room saga cancelled the membership. */
  async cancelledMembership(
    roomId: string,
    userId: string,
  ): Promise<{ userWasInactive: boolean } | undefined> {
    const [row] = (await this.manager.query(
      `SELECT "user_was_inactive" FROM "cancelled_memberships"
        WHERE "room_id" = $1 AND "user_id" = $2`,
      [roomId, userId],
    )) as { user_was_inactive: boolean }[];
    return row === undefined ? undefined : { userWasInactive: row.user_was_inactive };
  }

  /**
   * Every membership of the user gone, under each of its rooms' locks (taken first, in one
   * order, so two such transactions never deadlock); the rooms left and how.
   */
  async deleteMembershipsOf(userId: string): Promise<{ room_id: string; status: string }[]> {
    await this.manager.query(
      `SELECT r."id" FROM "rooms" r JOIN "room_members" m ON m."room_id" = r."id"
      WHERE m."user_id" = $1 ORDER BY r."id" FOR UPDATE OF r`,
      [userId],
    );
    const [left] = (await this.manager.query(
      `DELETE FROM "room_members" WHERE "user_id" = $1 RETURNING "room_id", "status"`,
      [userId],
    )) as [{ room_id: string; status: string }[], number];
    await this.manager.query(`DELETE FROM "cancelled_memberships" WHERE "user_id" = $1`, [userId]);
    return left;
  }
}
