import { BadRequestException, ConflictException, ForbiddenException } from '@nestjs/common';
import {
  canonicalEmoji,
  MESSAGE_CHANGE_LIMITS,
  MESSAGE_CHANGE_TYPES,
  type MemberRole,
  type MessageChangeType,
  type MessageView,
  type ReactionView,
} from '@scale-chat/contracts';

/**
 * What a change leaves of a message (API.md v1.1), decided from the message as it is
 * under the room's lock. `undefined` from a rule means the change changes nothing: the
 * caller gets the message as it is, and no version is taken.
 */
export interface MessageChange {
  readonly type: MessageChangeType;
  readonly body: string;
  /** Sets `editedAt` (now). */
  readonly edited: boolean;
  /** Sets `deletedAt` (now). */
  readonly deleted: boolean;
  readonly reactions: readonly ReactionView[];
  readonly mentions: readonly string[];
  readonly emoji?: string;
}

/** Who asks for a change, and their place in the room. */
export interface Caller {
  readonly userId: string;
  readonly role: MemberRole;
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const deletedConflict = () => new ConflictException('The message was deleted');

/** Only its sender edits a message, never a deleted one; the same body changes nothing. */
export function planEdit(
  message: MessageView,
  caller: Caller,
  body: string,
  mentions: readonly string[],
): MessageChange | undefined {
  if (!sameId(message.senderId, caller.userId))
    throw new ForbiddenException('Only its sender may edit a message');
  if (message.deletedAt !== null) throw deletedConflict();
  if (body === message.body) return undefined;
  return {
    type: MESSAGE_CHANGE_TYPES.messageEdited,
    body,
    edited: true,
    deleted: false,
    reactions: message.reactions,
    mentions,
  };
}

/**
 * Its sender or the room's owner deletes a message; it keeps its id, seq, sender and
 * times, and loses its words, reactions and mentions. Deleting it again changes nothing.
 */
export function planDelete(message: MessageView, caller: Caller): MessageChange | undefined {
  if (!sameId(message.senderId, caller.userId) && caller.role !== 'owner')
    throw new ForbiddenException("Only its sender or a group room's owner may delete a message");
  if (message.deletedAt !== null) return undefined;
  return {
    type: MESSAGE_CHANGE_TYPES.messageDeleted,
    body: '',
    edited: false,
    deleted: true,
    reactions: [],
    mentions: [],
  };
}

function withReactions(
  message: MessageView,
  type: MessageChangeType,
  emoji: string,
  reactions: readonly ReactionView[],
): MessageChange {
  return {
    type,
    body: message.body,
    edited: false,
    deleted: false,
    reactions,
    mentions: message.mentions,
    emoji,
  };
}

/**
 * Any member adds a reaction to a message that is not deleted: after the others with that
 * emoji, or as a new emoji after the others (at most MESSAGE_CHANGE_LIMITS.reactionsMax
 * different ones). Adding one the caller already added changes nothing.
 */
export function planAddReaction(
  message: MessageView,
  caller: Caller,
  emoji: string,
): MessageChange | undefined {
  if (message.deletedAt !== null) throw deletedConflict();
  const existing = message.reactions.find((reaction) => sameEmoji(reaction.emoji, emoji));
  if (existing?.userIds.some((id) => sameId(id, caller.userId))) return undefined;
  if (existing === undefined && message.reactions.length >= MESSAGE_CHANGE_LIMITS.reactionsMax)
    throw new BadRequestException(
      `A message has at most ${MESSAGE_CHANGE_LIMITS.reactionsMax} different emoji`,
    );
  const reactions =
    existing === undefined
      ? [...message.reactions, { emoji, userIds: [caller.userId] }]
      : message.reactions.map((reaction) =>
          reaction === existing
            ? { emoji, userIds: [...reaction.userIds, caller.userId] }
            : reaction,
        );
  return withReactions(message, MESSAGE_CHANGE_TYPES.reactionAdded, emoji, reactions);
}

/**
 * Whether a kept reaction's emoji is `emoji` (in its one form, `canonicalEmoji`): one kept
 * before reactions took that form may be another form of it, and must still be found,
 * or it could never be removed. A change to it keeps it in the one form from then on.
 */
const sameEmoji = (kept: string, emoji: string) => canonicalEmoji(kept) === emoji;

/** Removes the caller's own reaction only; one it did not add changes nothing. */
export function planRemoveReaction(
  message: MessageView,
  caller: Caller,
  emoji: string,
): MessageChange | undefined {
  const existing = message.reactions.find((reaction) => sameEmoji(reaction.emoji, emoji));
  if (existing === undefined || !existing.userIds.some((id) => sameId(id, caller.userId)))
    return undefined;
  const reactions = message.reactions.flatMap((reaction) => {
    if (reaction !== existing) return [reaction];
    const userIds = reaction.userIds.filter((id) => !sameId(id, caller.userId));
    return userIds.length === 0 ? [] : [{ emoji, userIds }];
  });
  return withReactions(message, MESSAGE_CHANGE_TYPES.reactionRemoved, emoji, reactions);
}
