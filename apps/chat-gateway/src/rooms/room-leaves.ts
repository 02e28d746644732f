import { Injectable } from '@nestjs/common';
import { CHAT_ROOM_EVENTS_TOPIC, ROOM_EVENT_TYPES, type MemberLeft } from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import { RoomsRepository } from './rooms.repository';

/** What follows a member's leave: whoever leaves, by itself, removed, or with its account. */
@Injectable()
export class RoomLeaves {
  constructor(private readonly rooms: RoomsRepository) {}

  /**
   * A membership that was just deleted (in `manager`'s transaction, under the room's
   * lock): the room passes on if its owner left (`RoomsRepository.passOwnership`), and
   * `member.left` says who owns it now when that changed.
   */
  async announce(
    manager: EntityManager,
    roomId: string,
    userId: string,
    reason: MemberLeft['reason'],
  ): Promise<void> {
    const newOwnerId = await this.rooms.in(manager).passOwnership(roomId);
    await enqueueEvent<MemberLeft>(manager, {
      topic: CHAT_ROOM_EVENTS_TOPIC,
      key: roomId,
      type: ROOM_EVENT_TYPES.memberLeft,
      data: { roomId, userId, reason, ...(newOwnerId === undefined ? {} : { newOwnerId }) },
    });
  }
}
