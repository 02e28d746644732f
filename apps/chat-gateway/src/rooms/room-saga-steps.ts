import { Injectable } from '@nestjs/common';
import {
  CHAT_ROOM_EVENTS_TOPIC,
  ROOM_EVENT_TYPES,
  type MemberJoined,
  type RoomCreated,
  type RoomSagaPayload,
  type SagaCommand,
} from '@scale-chat/contracts';
import { enqueueEvent, type CommandOutcome } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { RoomLeaves } from './room-leaves';
import { memberView } from './room-views';
import { RoomsRepository } from './rooms.repository';

/**
 * The rooms feature's steps in the sagas, each run in the transaction of the command's
 * handler (`manager`), which also writes the reply. Each may run twice with the effect of
 * once.
 */
@Injectable()
export class RoomSagaSteps {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly leaves: RoomLeaves,
  ) {}

  /**
   * The room saga's last step: the pending room (with its pending members) or the pending
   * membership becomes active, and its event goes into the outbox for the gateways to join
   * the members' sockets. A repeat finds nothing pending and sends no second event; a late
   * repeat finds a newer saga's pending membership of the same user not its own, and
   * leaves it to that saga (which may yet find the user not active). A pending room whose
   * members all went with their accounts while the saga ran fails the step, changing
   * nothing: the saga's undo cancels it, where activating it would leave an active room
   * that nobody can see and that was never announced.
   */
  async activate(
    { roomId, kind, userIds }: RoomSagaPayload,
    manager: EntityManager,
    command: SagaCommand,
  ): Promise<CommandOutcome> {
    const rooms = this.rooms.in(manager);
    const room = await rooms.findRoom(roomId, true);
    if (room === undefined || room.status === 'cancelled')
      return { outcome: 'failed', reason: 'the room is gone' };
    const activated = await rooms.activatePendingMembers(roomId, userIds, command.sagaId);
    if (kind === 'room' && room.status === 'pending') {
      if (activated.length === 0)
        return { outcome: 'failed', reason: 'no member is left to activate' };
      await rooms.activateRoom(roomId);
    }
    if (activated.length === 0) {
      // Done before (a repeated command), or the member left meanwhile: nothing to announce.
      return { outcome: 'succeeded' };
    }
    // Added while the owner, the room's last member, left: the room passes to a new member
    // (nobody else is there to hear it; the views below show it).
    const heir = await rooms.passOwnership(roomId);
    const view = await rooms.roomWithMembers({ ...room, owner_id: heir ?? room.owner_id });
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
   * is deleted (and why kept for the waiting caller). Active rooms and members are never
   * touched, nor a newer saga's pending membership of the same user, so a repeat changes
   * nothing.
   */
  async cancel(
    { roomId, kind, userIds, inactiveUserIds = [] }: RoomSagaPayload,
    manager: EntityManager,
    command: SagaCommand,
  ): Promise<CommandOutcome> {
    const rooms = this.rooms.in(manager);
    if (kind === 'room') await rooms.cancelPendingRoom(roomId, inactiveUserIds);
    else await rooms.cancelPendingMembers(roomId, userIds, inactiveUserIds, command.sagaId);
    return { outcome: 'succeeded' };
  }

  /**
   * The account-deletion saga: the user leaves every room (each room hears it), and
   * pending memberships go quietly.
   */
  async removeUserFromRooms(userId: string, manager: EntityManager): Promise<void> {
    // Each room's lock first, as every write of a room's events takes it: the rooms' events
    // keep their commit order.
    const left = await this.rooms.in(manager).deleteMembershipsOf(userId);
    for (const membership of left.filter((row) => row.status === 'active')) {
      await this.leaves.announce(manager, membership.room_id, userId, 'account-deleted');
    }
  }
}
