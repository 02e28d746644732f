import { firstUnreadSeq, isLongMessage, readersBySeq, sameItemProps } from './message-list';

describe('firstUnreadSeq', () => {
  const items = [
    { seq: 1, senderId: 'ann', deletedAt: null },
    { seq: 2, senderId: 'me', deletedAt: null },
    { seq: 3, senderId: 'ann', deletedAt: null },
    { seq: 4, senderId: 'me', deletedAt: null },
    { seq: 5, senderId: 'bob', deletedAt: null },
  ];

  it('counts only the others’ messages back from the end', () => {
    expect(firstUnreadSeq(items, 'me', 1)).toBe(5);
    expect(firstUnreadSeq(items, 'me', 2)).toBe(3);
    expect(firstUnreadSeq(items, 'me', 3)).toBe(1);
  });

  it('skips deleted messages, as the server’s unreadCount leaves them out', () => {
    // Ann sent "one", Bob "two", and the owner deleted "two": one message is unread.
    const withDeleted = [
      { seq: 1, senderId: 'ann', deletedAt: null },
      { seq: 2, senderId: 'bob', deletedAt: '2026-12-05T00:00:00.000Z' },
    ];
    expect(firstUnreadSeq(withDeleted, 'me', 1)).toBe(1);
    expect(firstUnreadSeq(withDeleted, 'me', 2)).toBeUndefined();
  });

  it('has no divider when nothing is unread or the unread are not loaded', () => {
    expect(firstUnreadSeq(items, 'me', 0)).toBeUndefined();
    expect(firstUnreadSeq(items, 'me', 4)).toBeUndefined();
    expect(firstUnreadSeq([], 'me', 1)).toBeUndefined();
  });
});

describe('isLongMessage', () => {
  it('collapses many characters or many lines', () => {
    expect(isLongMessage('a'.repeat(700))).toBe(false);
    expect(isLongMessage('a'.repeat(701))).toBe(true);
    expect(isLongMessage('가'.repeat(700))).toBe(false);
    expect(isLongMessage(Array.from({ length: 12 }, () => 'x').join('\n'))).toBe(false);
    expect(isLongMessage(Array.from({ length: 13 }, () => 'x').join('\n'))).toBe(true);
  });
});

describe('readersBySeq', () => {
  const items = [
    { seq: 1, senderId: 'me', deletedAt: null },
    { seq: 2, senderId: 'ann', deletedAt: null },
    { seq: 3, senderId: 'me', deletedAt: null },
    { seq: 4, senderId: 'me', deletedAt: null },
  ];

  it('puts each reader under the latest of my messages their cursor reached', () => {
    const readers = readersBySeq(
      items,
      [
        ['ann', 3],
        ['bob', 9],
        ['me', 4],
      ],
      'me',
    );
    expect([...readers]).toEqual([
      [3, ['ann']],
      [4, ['bob']],
    ]);
  });

  it('shows nobody under a deleted message: its readers go under the one before it', () => {
    const deleted = items.map((message) =>
      message.seq === 4 ? { ...message, deletedAt: '2026-12-07T00:00:00.000Z' } : message,
    );
    expect([...readersBySeq(deleted, [['ann', 4]], 'me')]).toEqual([[3, ['ann']]]);
    const allDeleted = items.map((message) => ({ ...message, deletedAt: 'then' }));
    expect([...readersBySeq(allDeleted, [['ann', 4]], 'me')]).toEqual([]);
  });

  it('shows nobody under a message no cursor reached', () => {
    expect([...readersBySeq(items, [['ann', 0]], 'me')]).toEqual([]);
  });
});

describe('sameItemProps', () => {
  const message = { seq: 1 };
  const onReply = () => undefined;
  const base: {
    message: object;
    senderName: string;
    onReply: () => undefined;
    quoted: { message: object; senderName: string };
    seenBy: string[] | undefined;
  } = {
    message,
    senderName: 'Ann',
    onReply,
    quoted: { message: { seq: 0 }, senderName: 'Bob' },
    seenBy: ['u1', 'u2'],
  };

  it('holds for the same values, and a quote and readers made afresh with the same content', () => {
    expect(
      sameItemProps(base, {
        ...base,
        quoted: { message: base.quoted.message, senderName: 'Bob' },
        seenBy: ['u1', 'u2'],
      }),
    ).toBe(true);
  });

  it('fails when the message, a name, a callback, the quote or the readers changed', () => {
    expect(sameItemProps(base, { ...base, message: { seq: 1 } })).toBe(false);
    expect(sameItemProps(base, { ...base, senderName: 'Anne' })).toBe(false);
    expect(sameItemProps(base, { ...base, onReply: () => undefined })).toBe(false);
    expect(
      sameItemProps(base, { ...base, quoted: { message: { seq: 0 }, senderName: 'Bob' } }),
    ).toBe(false);
    expect(sameItemProps(base, { ...base, seenBy: ['u1'] })).toBe(false);
    expect(sameItemProps(base, { ...base, seenBy: undefined })).toBe(false);
  });
});
