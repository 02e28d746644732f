import { BadRequestException } from '@nestjs/common';

/** A direct room's two users as the unique index holds them: the lower id first. */
export function directPair(callerId: string, userId: string): [string, string] {
  if (callerId === userId)
    throw new BadRequestException('A direct room is with another user, not with yourself');
  return callerId < userId ? [callerId, userId] : [userId, callerId];
}
