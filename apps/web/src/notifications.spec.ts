import { alertFor, arrivals, titleFor, unreadTotal } from './notifications';
import type { RoomSummaryView } from '@scale-chat/contracts';

const ME = 'me-id';

function room(id: string, lastSeq: number, senderId = 'ann-id', unreadCount = 0): RoomSummaryView {
  return {
    id,
    kind: 'group',
    name: `room ${id}`,
    lastSeq,
    lastVersion: lastSeq,
    unreadCount,
    mentionCount: 0,
    memberCount: 2,
    lastMessage:
      lastSeq === 0
        ? null
        : {
            id: `${id}-${lastSeq}`,
            roomId: id,
            seq: lastSeq,
            senderId,
            body: `message ${lastSeq}`,
            clientMsgId: `c-${lastSeq}`,
            createdAt: '2026-12-05T00:00:00.000Z',
            version: lastSeq,
            editedAt: null,
            deletedAt: null,
            replyToSeq: null,
            reactions: [],
            mentions: [],
          },
  } as RoomSummaryView;
}

describe('unreadTotal and titleFor', () => {
  it('adds the unread counts of every room', () => {
    expect(unreadTotal([room('a', 3, 'x', 2), room('b', 1, 'x', 0), room('c', 9, 'x', 5)])).toBe(7);
    expect(unreadTotal([])).toBe(0);
  });

  it('puts the total before the name, and only when there is one', () => {
    expect(titleFor(0)).toBe('scale-chat');
    expect(titleFor(1)).toBe('(1) scale-chat');
    expect(titleFor(42)).toBe('(42) scale-chat');
    expect(titleFor(1_000)).toBe('(99+) scale-chat');
  });
});

describe('arrivals', () => {
  it('names the rooms with a newer message from someone else, not the one looked at', () => {
    const before = [room('a', 1), room('b', 1), room('c', 1)];
    const after = [room('a', 2), room('b', 2), room('c', 1)];
    expect(arrivals(before, after, ME, null).map((r) => r.id)).toEqual(['a', 'b']);
    expect(arrivals(before, after, ME, 'a').map((r) => r.id)).toEqual(['b']);
  });

  it('leaves out your own messages', () => {
    expect(arrivals([room('a', 1)], [room('a', 2, ME)], ME, null)).toEqual([]);
  });

  it('leaves out rooms not in the list before (the first load, a room just joined)', () => {
    expect(arrivals([], [room('a', 5)], ME, null)).toEqual([]);
  });

  it('leaves out a list reordered or refreshed without a new message', () => {
    const rooms = [room('a', 4), room('b', 2)];
    expect(arrivals(rooms, [...rooms].reverse(), ME, null)).toEqual([]);
  });
});

describe('alertFor', () => {
  it('titles a group room by its name, with the sender in the text', () => {
    expect(alertFor(room('a', 1), 'Ann')).toEqual({
      title: 'room a',
      body: 'Ann: message 1',
      tag: 'a',
    });
  });

  it('titles a direct room by the sender', () => {
    expect(alertFor({ ...room('d', 1), kind: 'direct', name: null }, 'Ann')).toEqual({
      title: 'Ann',
      body: 'message 1',
      tag: 'd',
    });
  });

  it('shortens a long message', () => {
    const long = room('a', 1);
    const last = long.lastMessage;
    if (last === null) throw new Error('the fixture has a message');
    const alert = alertFor({ ...long, lastMessage: { ...last, body: 'x'.repeat(500) } }, 'Ann');
    expect(alert.body.length).toBeLessThanOrEqual('Ann: '.length + 140);
    expect(alert.body.endsWith('…')).toBe(true);
  });
});
