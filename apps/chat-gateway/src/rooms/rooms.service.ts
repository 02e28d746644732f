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
  CHAT_LIMITS,
  type MemberRole,
  type RoomKind,
  type RoomMemberView,
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
import { ProfilesRepository } from '../profiles/profiles.repository';
import { directPair } from './direct-rooms';
import { requireGroup, requireMember, roomNotFound } from './room-access';
import { RoomLeaves } from './room-leaves';
import { fromJson, messageView, roomMemberView } from './room-views';
import { RoomsRepository } from './rooms.repository';

/** Where rooms' and memberships' status changes are announced (NotifyRoomStatus migration). */
const ROOM_STATUS_CHANNEL = 'room_status';

const notActive = (ids: readonly string[]) =>
  new BadRequestException(`These users are not active: ${ids.join(', ')}`);

const roomFull = () =>
  new ConflictException(
    `The room is full: a room has at most ${CHAT_LIMITS.roomMembersMax} members`,
  );

const inTooManyRooms = (ids: readonly string[], max: number) =>
  new ConflictException(
    `These users are in the most rooms one may be in (${max}): ${ids.join(', ')}`,
  );

/**
 * Rooms and memberships. Creating a room or adding a member stores it `pending` with the
 * request that starts the room saga (auth confirms every user is active, then the room
 * or membership is activated, or cancelled); the call waits for that outcome.
 */
@Injectable()
export class RoomsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rooms: RoomsRepository,
    private readonly profiles: ProfilesRepository,
    private readonly leaves: RoomLeaves,
    @Inject(SERVICE_CONFIG) private readonly config: ChatConfig,
    private readonly notifications: PostgresNotifications,
  ) {
    notifications.listenTo(ROOM_STATUS_CHANNEL);
  }

  async create(ownerId: string, name: string, memberIds: readonly string[]): Promise<RoomView> {
    const roomId = randomUUID();
    const userIds = [...new Set([ownerId, ...memberIds])];
    await this.dataSource.transaction(async (manager) => {
      const rooms = this.rooms.in(manager);
      await rooms.insertPendingRoom(roomId, name, ownerId, userIds);
      await this.refuseOverRoomLimit(rooms, ownerId, userIds);
      await this.startSaga(manager, { roomId, kind: 'room', userIds });
    });
    return this.awaitRoom(roomId);
  }

  /**
   * The caller's direct room with `userId`: a new one (`created`) through the room saga
   * like any room, or the one the pair already has, pending or active, once it is active
   * with both (`rejoinDirect`). The unique index on the pair, not a check before the
   * insert, makes it one per pair.
   */
  async openDirect(
    callerId: string,
    userId: string,
  ): Promise<{ room: RoomView; created: boolean }> {
    const pair = directPair(callerId, userId);
    // 404 unless chat knows the user: every account gets a profile in its signup saga.
    if (!(await this.profiles.exists(userId))) throw new NotFoundException('User not found');
    // A second round only when the pair's room that won the insert was cancelled before
    // it could be read: the pair has none again, and this call may make it.
    for (let round = 0; round < 2; round += 1) {
      const createdId = await this.dataSource.transaction(async (manager) => {
        const rooms = this.rooms.in(manager);
        const roomId = await rooms.insertDirectRoom(callerId, pair);
        if (roomId !== undefined) {
          await this.refuseOverRoomLimit(rooms, callerId, pair);
          await this.startSaga(manager, { roomId, kind: 'room', userIds: [...pair] });
        }
        return roomId;
      });
      // After a conflict, the other room has committed (the insert waited for it).
      const roomId = createdId ?? (await this.rooms.findDirectRoomId(pair));
      if (roomId === undefined) continue;
      if (createdId === undefined) {
        const rejoining = await this.rejoinDirect(roomId, pair);
        if (rejoining.length > 0)
          await this.awaitOutcome(
            roomId,
            async () => {
              for (const userId of rejoining)
                if ((await this.memberOutcome(roomId, userId)) === undefined) return undefined;
              return true;
            },
            'The direct room could not be opened in time; please try again',
          );
      }
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
    const rows = await this.rooms.summariesOf(userId);
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
    await requireMember(this.rooms, roomId, userId);
  }

  /**
   * The active rooms `userId` is an active member of. `manager`: a transaction in progress
   * (one that holds a lock must not wait for the pool).
   */
  roomIdsOf(userId: string, manager?: EntityManager): Promise<string[]> {
    return (manager === undefined ? this.rooms : this.rooms.in(manager)).roomIdsOf(userId);
  }

  async get(userId: string, roomId: string): Promise<RoomView> {
    await requireMember(this.rooms, roomId, userId);
    const room = await this.rooms.findRoom(roomId);
    if (room === undefined) throw roomNotFound();
    return this.rooms.roomWithMembers(room);
  }

  /** Any member may add an active user; the membership runs through the room saga. */
  async addMember(callerId: string, roomId: string, userId: string): Promise<RoomMemberView> {
    // Refused at once when it is clear without the lock (a stranger waits for nobody).
    requireGroup((await requireMember(this.rooms, roomId, callerId)).kind);
    try {
      await this.dataSource.transaction(async (manager) => {
        const rooms = this.rooms.in(manager);
        // The caller's right read under the room's lock (`lockedCaller`). Counted under it
        // too, so two adds at once cannot both take its last place; after the insert, so a
        // user already in a full room is told so (a unique violation).
        requireGroup((await lockedCaller(rooms, roomId, callerId)).kind);
        await rooms.insertPendingMember(roomId, userId);
        if ((await rooms.memberCount(roomId)) > CHAT_LIMITS.roomMembersMax) throw roomFull();
        await this.refuseOverRoomLimit(rooms, callerId, [userId]);
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
      () => this.memberOutcome(roomId, userId),
      'The member could not be added in time; the room will show it if it was',
    );
  }

  /**
   * 409 when the memberships just inserted took a user other than the caller past
   * `ROOMS_PER_USER_MAX` (the transaction then stores none of them). Anyone may add
   * anyone: without a limit, a user could be put in rooms by the thousand, each listed,
   * joined at every connect and heard from. The caller's own membership is its own
   * choice and never refused, so others filling a user's rooms cannot stop it creating
   * or opening one itself. Two adds to different rooms at once may both pass the last place.
   */
  private async refuseOverRoomLimit(
    rooms: RoomsRepository,
    callerId: string,
    userIds: readonly string[],
  ): Promise<void> {
    const max = this.config.extra.ROOMS_PER_USER_MAX;
    const others = userIds.filter((userId) => userId !== callerId);
    const over = others.length === 0 ? [] : await rooms.usersOverRoomLimit(others, max);
    if (over.length > 0) throw inTooManyRooms(over, max);
  }

  /**
   * A membership's saga as it ended: the member once active, undefined while pending; 400
   * when the saga found the user not active, 503 when it failed for a reason of the
   * system's (a step failed or timed out), not the caller's, as for a room (awaitRoom).
   */
  private async memberOutcome(roomId: string, userId: string): Promise<RoomMemberView | undefined> {
    const member = await this.rooms.findMember(roomId, userId);
    if (member === undefined) {
      if ((await this.rooms.cancelledMembership(roomId, userId))?.userWasInactive === false)
        throw new ServiceUnavailableException('The member could not be added; please try again');
      throw notActive([userId]);
    }
    return member.status === 'active' ? roomMemberView(member) : undefined;
  }

  /**
   * The pair's active direct room with a member missing: one who left it with an account
   * deletion that was then undone (a failed step restores the account, not its rooms).
   * Nobody may add a member to a direct room, so asking for it again is how that member
   * comes back: through the room saga like any membership, auth confirming the user is
   * active. Under the room's lock, so two calls at once start one saga. The users to
   * wait for: those it started a saga for and those another call did (none when both are
   * members, or while the room itself is pending: its own saga adds both).
   */
  private async rejoinDirect(roomId: string, pair: readonly [string, string]): Promise<string[]> {
    // Nearly always both are there: no lock to find that out.
    const members = await Promise.all(pair.map((userId) => this.rooms.findMember(roomId, userId)));
    if (members.every((member) => member?.status === 'active')) return [];
    return this.dataSource.transaction(async (manager) => {
      const rooms = this.rooms.in(manager);
      if ((await rooms.findRoom(roomId, true))?.status !== 'active') return [];
      const missing: string[] = [];
      const coming: string[] = [];
      for (const userId of pair) {
        const status = (await rooms.findMember(roomId, userId))?.status;
        if (status === undefined) missing.push(userId);
        else if (status !== 'active') coming.push(userId);
      }
      if (missing.length > 0) {
        for (const userId of missing) await rooms.insertPendingMember(roomId, userId);
        await this.startSaga(manager, { roomId, kind: 'membership', userIds: missing });
      }
      return [...missing, ...coming];
    });
  }

  /** A member may leave (the owner too: the room passes on); the owner may remove anyone. */
  async removeMember(callerId: string, roomId: string, userId: string): Promise<void> {
    // Refused at once when it is clear without the lock, then checked again under it.
    const mayRemove = ({ kind, role }: { kind: RoomKind; role: MemberRole }) => {
      requireGroup(kind);
      if (callerId !== userId && role !== 'owner')
        throw new ForbiddenException('Only the owner may remove another member');
    };
    mayRemove(await requireMember(this.rooms, roomId, callerId));
    await this.dataSource.transaction(async (manager) => {
      // Under the room's lock, as every write of a room's events: its outbox rows then
      // follow the room's commit order (a send cannot overtake the leave, or the reverse).
      const rooms = this.rooms.in(manager);
      mayRemove(await lockedCaller(rooms, roomId, callerId));
      if (!(await rooms.deleteActiveMember(roomId, userId)))
        throw new NotFoundException('The user is not a member of this room');
      await this.leaves.announce(manager, roomId, userId, callerId === userId ? 'left' : 'removed');
    });
  }

  /** The room once its saga made it active; 400 naming the users who were not active. */
  private awaitRoom(roomId: string): Promise<RoomView> {
    return this.awaitOutcome(
      roomId,
      async () => {
        const room = await this.rooms.findRoom(roomId);
        const inactive = room?.inactive_user_ids ?? [];
        if (room === undefined || room.status === 'cancelled') {
          // Cancelled for a reason of the system's (a step failed or timed out), not the caller's.
          if (inactive.length === 0)
            throw new ServiceUnavailableException(
              'The room could not be created; please try again',
            );
          throw notActive(inactive);
        }
        return room.status === 'active' ? this.rooms.roomWithMembers(room) : undefined;
      },
      'The room could not be created in time; it will appear in GET /api/rooms if it is',
    );
  }

  /**
   * The saga carries the request's correlation id; the pending memberships it is for
   * carry its id, so that only its commands finish them (a late copy of an earlier
   * saga's for the same user finds them not its own).
   */
  private async startSaga(manager: EntityManager, payload: RoomSagaPayload): Promise<void> {
    const sagaId = await requestSaga(manager, 'room', { ...payload });
    await this.rooms.in(manager).recordSaga(payload.roomId, payload.userIds, sagaId);
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

/**
 * The room locked, then the caller's membership read: a change committed while this one
 * waited for the lock (the caller left, was removed, or passed the room on) counts. Read
 * before the lock, a leave queued just ahead let the caller go on as the owner it was.
 */
async function lockedCaller(
  rooms: RoomsRepository,
  roomId: string,
  callerId: string,
): ReturnType<typeof requireMember> {
  await rooms.findRoom(roomId, true);
  return requireMember(rooms, roomId, callerId);
}
