import { CHAT_ROOM_EVENTS_TOPIC, ROOM_EVENT_TYPES, type MemberLeft } from '@scale-chat/contracts';
import { enqueueEvent } from '@scale-chat/platform';
import type { EntityManager } from 'typeorm';
import type { RoomsRepository } from './rooms.repository';

/**
 * A membership that was just deleted (in `manager`'s transaction, under the room's lock,
 * `rooms` working in it): the room passes on if its owner left
 * (`RoomsRepository.passOwnership`), and `member.left` says who owns it now when that
 * changed.
 */
export async function announceLeave(
  manager: EntityManager,
  rooms: RoomsRepository,
  roomId: string,
  userId: string,
  reason: MemberLeft['reason'],
): Promise<void> {
  const newOwnerId = await rooms.passOwnership(roomId);
  await enqueueEvent<MemberLeft>(manager, {
    topic: CHAT_ROOM_EVENTS_TOPIC,
    key: roomId,
    type: ROOM_EVENT_TYPES.memberLeft,
    data: { roomId, userId, reason, ...(newOwnerId === undefined ? {} : { newOwnerId }) },
  });
}
