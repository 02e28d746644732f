import { BadRequestException, ConflictException, ForbiddenException } from '@nestjs/common';
import { messageFixture } from '../testing/message-fixture';
import {
  planAddReaction,
  planDelete,
  planEdit,
  planRemoveReaction,
  type Caller,
} from './change-rules';

const ANN: Caller = { userId: 'ann', role: 'member' };
const BOB: Caller = { userId: 'bob', role: 'member' };
const OWNER: Caller = { userId: 'own', role: 'owner' };

const message = messageFixture({
  id: 'm',
  roomId: 'r',
  seq: 3,
  senderId: 'ann',
  body: 'hello',
  clientMsgId: 'c',
  reactions: [{ emoji: '👍', userIds: ['bob'] }],
  mentions: ['bob'],
});
const deleted = { ...message, body: '', reactions: [], mentions: [], deletedAt: 'then' };

describe('change rules', () => {
  it('edits: the sender only, a new body only, never a deleted message', () => {
    expect(planEdit(message, ANN, 'hello again', [])).toMatchObject({
      type: 'message.edited',
      body: 'hello again',
      edited: true,
      reactions: message.reactions,
      mentions: [],
    });
    expect(planEdit(message, ANN, 'hello', ['bob'])).toBeUndefined();
    expect(() => planEdit(message, BOB, 'x', [])).toThrow(ForbiddenException);
    expect(() => planEdit(message, OWNER, 'x', [])).toThrow(ForbiddenException);
    expect(() => planEdit(deleted, ANN, 'x', [])).toThrow(ConflictException);
  });

  it("deletes: the sender or the room's owner; a deleted message stays as it is", () => {
    const expected = { type: 'message.deleted', body: '', deleted: true, reactions: [] };
    expect(planDelete(message, ANN)).toMatchObject({ ...expected, mentions: [] });
    expect(planDelete(message, OWNER)).toMatchObject(expected);
    expect(() => planDelete(message, BOB)).toThrow(ForbiddenException);
    expect(planDelete(deleted, ANN)).toBeUndefined();
  });

  it('adds reactions in first-use order, once per member, at most 20 different emoji', () => {
    expect(planAddReaction(message, ANN, '👍')?.reactions).toEqual([
      { emoji: '👍', userIds: ['bob', 'ann'] },
    ]);
    expect(planAddReaction(message, ANN, '🎉')).toMatchObject({
      type: 'reaction.added',
      emoji: '🎉',
      reactions: [
        { emoji: '👍', userIds: ['bob'] },
        { emoji: '🎉', userIds: ['ann'] },
      ],
    });
    expect(planAddReaction(message, BOB, '👍')).toBeUndefined();
    expect(() => planAddReaction(deleted, BOB, '👍')).toThrow(ConflictException);
    const full = {
      ...message,
      reactions: Array.from({ length: 20 }, (_, index) => ({
        emoji: String.fromCodePoint(0x1f600 + index),
        userIds: ['bob'],
      })),
    };
    expect(() => planAddReaction(full, ANN, '🐢')).toThrow(BadRequestException);
    expect(planAddReaction(full, ANN, '😀')?.reactions).toHaveLength(20);
  });

  it("removes only the caller's reaction, and an emoji nobody is left with", () => {
    expect(planRemoveReaction(message, ANN, '👍')).toBeUndefined();
    expect(planRemoveReaction(message, BOB, '🎉')).toBeUndefined();
    expect(planRemoveReaction(message, BOB, '👍')).toMatchObject({
      type: 'reaction.removed',
      reactions: [],
      body: 'hello',
      mentions: ['bob'],
    });
    const shared = { ...message, reactions: [{ emoji: '👍', userIds: ['bob', 'ann'] }] };
    expect(planRemoveReaction(shared, BOB, '👍')?.reactions).toEqual([
      { emoji: '👍', userIds: ['ann'] },
    ]);
  });

  it('finds a reaction kept in another form of its emoji, and keeps it in the one form', () => {
    // Kept as given before reactions took one form: ❤ without its selector.
    const kept = { ...message, reactions: [{ emoji: '\u2764', userIds: ['bob'] }] };
    expect(planAddReaction(kept, BOB, '\u2764\uFE0F')).toBeUndefined();
    expect(planAddReaction(kept, ANN, '\u2764\uFE0F')?.reactions).toEqual([
      { emoji: '\u2764\uFE0F', userIds: ['bob', 'ann'] },
    ]);
    expect(planRemoveReaction(kept, BOB, '\u2764\uFE0F')?.reactions).toEqual([]);
  });
});
