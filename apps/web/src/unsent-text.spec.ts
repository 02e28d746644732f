import { MemoryStorage } from './memory-storage.fixture';
import { KeptPerRoom, UnsentText } from './unsent-text';
import { isCount } from './validate';

describe('UnsentText', () => {
  it("keeps each room's text for its user, across pages of the same tab, until sent", () => {
    const storage = new MemoryStorage();
    const before = new UnsentText(storage);
    before.keep('ann', 'lab', 'half-written');
    before.keep('ann', 'team', 'other');
    // The page reloaded: a new instance over the same storage.
    const after = new UnsentText(storage);
    expect([after.of('ann', 'lab'), after.of('ann', 'team'), after.of('ann', 'x')]).toEqual([
      'half-written',
      'other',
      '',
    ]);
    after.keep('ann', 'lab', '  ');
    expect(new UnsentText(storage).of('ann', 'lab')).toBe('');
  });

  it('shows another account nothing, and forgets everything at logout', () => {
    const storage = new MemoryStorage();
    const texts = new UnsentText(storage);
    texts.keep('ann', 'lab', 'private');
    expect(texts.of('ben', 'lab')).toBe('');
    texts.forget();
    expect(storage.items.size).toBe(0);
    expect(texts.of('ann', 'lab')).toBe('');
  });

  it('reads what it did not write as nothing, and keeps text in memory where storage refuses', () => {
    const storage = new MemoryStorage();
    storage.items.set('scale-chat.unsentText', '{not json');
    const texts = new UnsentText(storage);
    expect(texts.of('ann', 'lab')).toBe('');
    storage.items.set('scale-chat.unsentText', JSON.stringify({ userId: 'ann', rooms: [1] }));
    expect(new UnsentText(storage).of('ann', 'lab')).toBe('');

    storage.refusing = true;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    texts.keep('ann', 'lab', 'still here');
    expect(texts.of('ann', 'lab')).toBe('still here');
    expect(warn).toHaveBeenCalledTimes(1);
    warn.mockRestore();
  });
});

describe('KeptPerRoom', () => {
  it("keeps each room's value for its user across pages of the tab, and forgets one by undefined", () => {
    const storage = new MemoryStorage();
    const replies = new KeptPerRoom(storage, 'replies', isCount, 'replies');
    replies.keep('ann', 'lab', 7);
    replies.keep('ann', 'team', 2);
    const after = new KeptPerRoom(storage, 'replies', isCount, 'replies');
    expect([after.of('ann', 'lab'), after.of('ann', 'team'), after.of('ben', 'lab')]).toEqual([
      7,
      2,
      undefined,
    ]);
    after.keep('ann', 'lab', undefined);
    expect(
      new KeptPerRoom(storage, 'replies', isCount, 'replies').of('ann', 'lab'),
    ).toBeUndefined();
    // What another page wrote in another shape reads as nothing.
    storage.setItem('replies', JSON.stringify({ userId: 'ann', rooms: { lab: 'seven' } }));
    expect(
      new KeptPerRoom(storage, 'replies', isCount, 'replies').of('ann', 'lab'),
    ).toBeUndefined();
  });
});
