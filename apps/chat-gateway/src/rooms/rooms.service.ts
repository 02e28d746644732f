import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  Inject,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type MemberView,
  type RoomKind,
  type RoomSagaPayload,
  type RoomSummaryView,
  type RoomView,
} from '@scale-chat/contracts';
import {
  isUniqueViolation,
  PostgresNotifications,
  requestSaga,
  SERVICE_CONFIG,
} from '@scale-chat/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { ChatConfig } from '../chat-config';
import { directPair, findDirectRoomId, insertDirectRoom, requireKnownUser } from './direct-rooms';
import { requireGroup, requireMember, roomNotFound } from './room-access';
import { findRoom, roomWithMembers } from './room-queries';
import { announceLeave } from './room-ownership';
import {
  MESSAGE_COLUMNS,
  memberView,
  fromJson,
  messageView,
  type JsonMessageRow,
  type MemberRow,
} from './room-views';

/** Where rooms' and memberships' status changes are announced (NotifyRoomStatus migration). */
const ROOM_STATUS_CHANNEL = 'room_status';

const notActive = (ids: readonly string[]) =>
  new BadRequestException(`These users are not active: ${ids.join(', ')}`);

/**
 * Rooms and memberships. Creating a room or adding a member stores it `pending` with the
 * request that starts the room saga (auth confirms every user is active, then the room
 * or membership is activated, or cancelled); the call waits for that outcome.
 */
@Injectable()
export class RoomsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: ChatConfig,
    private readonly notifications: PostgresNotifications,
  ) {
    notifications.listenTo(ROOM_STATUS_CHANNEL);
  }

  async create(ownerId: string, name: string, memberIds: readonly string[]): Promise<RoomView> {
    const roomId = randomUUID();
    const userIds = [...new Set([ownerId, ...memberIds])];
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO "rooms" ("id", "name", "owner_id", "status") VALUES ($1, $2, $3, 'pending')`,
        [roomId, name, ownerId],
      );
      await manager.query(
        `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
         SELECT $1, id, CASE WHEN id = $2 THEN 'owner' ELSE 'member' END, 'pending'
           FROM unnest($3::uuid[]) AS id`,
        [roomId, ownerId, userIds],
      );
      await this.startSaga(manager, { roomId, kind: 'room', userIds });
    });
    return this.awaitRoom(roomId);
  }

  /**
   * The caller's direct room with `userId`: a new one (`created`) through the room saga
   * like any room, or the one the pair already has, pending or active, once it is active.
   * The unique index on the pair, not a check before the insert, makes it one per pair.
   */
  async openDirect(
    callerId: string,
    userId: string,
  ): Promise<{ room: RoomView; created: boolean }> {
    const pair = directPair(callerId, userId);
    await requireKnownUser(this.dataSource.manager, userId);
    // A second round only when the pair's room that won the insert was cancelled before
    // it could be read: the pair has none again, and this call may make it.
    for (let round = 0; round < 2; round += 1) {
      const createdId = await this.dataSource.transaction(async (manager) => {
        const roomId = await insertDirectRoom(manager, callerId, pair);
        if (roomId !== undefined)
          await this.startSaga(manager, { roomId, kind: 'room', userIds: [...pair] });
        return roomId;
      });
      // After a conflict, the other room has committed (the insert waited for it).
      const roomId = createdId ?? (await findDirectRoomId(this.dataSource.manager, pair));
      if (roomId !== undefined)
        return { room: await this.awaitRoom(roomId), created: createdId !== undefined };
    }
    throw new ServiceUnavailableException('The direct room could not be opened; please try again');
  }

  /**
   * The caller's rooms, most recent activity first, with unread counts, the unread
   * messages that mention the caller (like unread ones, never the caller's own; a deleted
   * message mentions nobody), and last messages.
   */
  async list(userId: string): Promise<RoomSummaryView[]> {
    const rows = (await this.dataSource.query(
      `SELECT r."id", r."kind", r."name", r."last_seq", r."last_version",
              (SELECT count(*) FROM "messages" u
                WHERE u."room_id" = r."id" AND u."seq" > m."last_read_seq" AND u."sender_id" <> $1
              )::int AS "unread_count",
              (SELECT count(*) FROM "messages" u
                WHERE u."room_id" = r."id" AND u."seq" > m."last_read_seq" AND u."sender_id" <> $1
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
    )) as {
      id: string;
      kind: RoomKind;
      name: string | null;
      last_seq: string;
      last_version: string;
      unread_count: number;
      mention_count: number;
      member_count: number;
      last_message: JsonMessageRow | null;
    }[];
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      name: row.name,
      lastSeq: Number(row.last_seq),
      lastVersion: Number(row.last_version),
      unreadCount: row.unread_count,
      mentionCount: row.mention_count,
      lastMessage: row.last_message === null ? null : messageView(fromJson(row.last_message)),
      memberCount: row.member_count,
    }));
  }

  /** 404 or 403 unless `userId` is an active member of the active room. */
  async requireMember(roomId: string, userId: string): Promise<void> {
    await requireMember(this.dataSource.manager, roomId, userId);
  }

  /** The active rooms `userId` is an active member of. */
  /** `manager`: a transaction in progress (one that holds a lock must not wait for the pool). */
  async roomIdsOf(userId: string, manager = this.dataSource.manager): Promise<string[]> {
    const rows = (await manager.query(
      `SELECT m."room_id" FROM "room_members" m
         JOIN "rooms" r ON r."id" = m."room_id" AND r."status" = 'active'
        WHERE m."user_id" = $1 AND m."status" = 'active'`,
      [userId],
    )) as { room_id: string }[];
    return rows.map((row) => row.room_id);
  }

  async get(userId: string, roomId: string): Promise<RoomView> {
    const manager = this.dataSource.manager;
    await requireMember(manager, roomId, userId);
    const room = await findRoom(manager, roomId);
    if (room === undefined) throw roomNotFound();
    return roomWithMembers(manager, room);
  }

  /** Any member may add an active user; the membership runs through the room saga. */
  async addMember(callerId: string, roomId: string, userId: string): Promise<MemberView> {
    requireGroup((await requireMember(this.dataSource.manager, roomId, callerId)).kind);
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO "room_members" ("room_id", "user_id", "role", "status")
           VALUES ($1, $2, 'member', 'pending')`,
          [roomId, userId],
        );
        await this.startSaga(manager, { roomId, kind: 'membership', userIds: [userId] });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictException('The user is already a member of this room');
      }
      throw error;
    }
    return this.awaitOutcome(
      roomId,
      async () => {
        const [member] = (await this.dataSource.query(
          `SELECT "user_id", "role", "joined_at", "status" FROM "room_members"
          WHERE "room_id" = $1 AND "user_id" = $2`,
          [roomId, userId],
        )) as (MemberRow & { status: string })[];
        if (member === undefined) throw notActive([userId]);
        return member.status === 'active' ? memberView(member) : undefined;
      },
      'The member could not be added in time; the room will show it if it was',
    );
  }

  /** A member may leave (the owner too: the room passes on); the owner may remove anyone. */
  async removeMember(callerId: string, roomId: string, userId: string): Promise<void> {
    const caller = await requireMember(this.dataSource.manager, roomId, callerId);
    requireGroup(caller.kind);
    if (callerId !== userId && caller.role !== 'owner') {
      throw new ForbiddenException('Only the owner may remove another member');
    }
    await this.dataSource.transaction(async (manager) => {
      // Under the room's lock, as every write of a room's events: its outbox rows then
      // follow the room's commit order (a send cannot overtake the leave, or the reverse).
      await findRoom(manager, roomId, true);
      const [, removed] = (await manager.query(
        `DELETE FROM "room_members" WHERE "room_id" = $1 AND "user_id" = $2 AND "status" = 'active'`,
        [roomId, userId],
      )) as [unknown, number];
      if (removed === 0) throw new NotFoundException('The user is not a member of this room');
      await announceLeave(manager, roomId, userId, callerId === userId ? 'left' : 'removed');
    });
  }

  /** The room once its saga made it active; 400 naming the users who were not active. */
  private awaitRoom(roomId: string): Promise<RoomView> {
    return this.awaitOutcome(
      roomId,
      async () => {
        const room = await findRoom(this.dataSource.manager, roomId);
        const inactive = room?.inactive_user_ids ?? [];
        if (room === undefined || room.status === 'cancelled') {
          // Cancelled for a reason of the system's (a step failed or timed out), not the caller's.
          if (inactive.length === 0)
            throw new ServiceUnavailableException(
              'The room could not be created; please try again',
            );
          throw notActive(inactive);
        }
        return room.status === 'active'
          ? roomWithMembers(this.dataSource.manager, room)
          : undefined;
      },
      'The room could not be created in time; it will appear in GET /api/rooms if it is',
    );
  }

  /** The saga carries the request's correlation id. */
  private async startSaga(manager: EntityManager, payload: RoomSagaPayload): Promise<void> {
    await requestSaga(manager, 'room', { ...payload });
  }

  /**
   * Reads `outcome` until it answers (or throws) or ROOM_SAGA_WAIT_MS has passed (503):
   * again at each change of the room (a notification), and every second regardless.
   */
  private async awaitOutcome<T>(
    roomId: string,
    outcome: () => Promise<T | undefined>,
    lateMessage: string,
  ): Promise<T> {
    const answer = await this.notifications.until(
      ROOM_STATUS_CHANNEL,
      roomId,
      this.config.extra.ROOM_SAGA_WAIT_MS,
      outcome,
    );
    if (answer === undefined) throw new ServiceUnavailableException(lateMessage);
    return answer;
  }
}
