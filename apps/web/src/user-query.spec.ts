import { checkUserQuery, nobodyShown, othersThan, usersFound } from './user-query';
import type { User } from './validate';

describe('checkUserQuery', () => {
  it('passes a username prefix on, trimmed', () => {
    expect(checkUserQuery(' kim.m ')).toEqual({ ok: true, query: 'kim.m' });
  });

  it.each(['김앨리스', 'Alice Kim', 'ann@example.com'])(
    'passes the display name %j on (v1.1 searches display names too)',
    (query) => {
      expect(checkUserQuery(query)).toEqual({ ok: true, query });
    },
  );

  it.each([
    ['@eve', 'eve'],
    [' @eve ', 'eve'],
    ['@ eve', 'eve'],
    ['@김앨', '김앨'],
  ])('leaves the "@" of %j out, as users are shown as @username', (input, query) => {
    expect(checkUserQuery(input)).toEqual({ ok: true, query });
  });

  it('has nothing to search in "@" alone', () => {
    expect(checkUserQuery(' @ ')).toEqual({ ok: true, query: '' });
  });

  it('drops control characters the server would refuse', () => {
    expect(checkUserQuery('kim\u0000')).toEqual({ ok: true, query: 'kim' });
  });

  it('refuses, in words, what is longer than any display name', () => {
    expect(checkUserQuery('가'.repeat(65))).toEqual({
      ok: false,
      reason: 'Search with at most 64 characters.',
    });
  });
});

describe('othersThan', () => {
  const user = (id: string): User => ({
    id,
    username: id,
    displayName: id,
    status: 'active',
    createdAt: '2026-11-22T16:00:00.000Z',
  });

  it('leaves the searcher out of the results', () => {
    expect(othersThan([user('me'), user('ann'), user('bob')], 'me').map((u) => u.id)).toEqual([
      'ann',
      'bob',
    ]);
  });

  it('says when the searcher found only themselves, rather than that nobody matched', () => {
    const found = usersFound([user('me')], 'me', 8);
    expect(found).toEqual({ others: [], foundMe: true });
    expect(nobodyShown(found.foundMe)).toBe("That's you. Search for someone else.");
    const nobody = usersFound([], 'me', 8);
    expect(nobodyShown(nobody.foundMe)).toBe('No matching users');
    expect(usersFound([user('ann'), user('me'), user('bob')], 'me', 1)).toEqual({
      others: [user('ann')],
      foundMe: true,
    });
  });
});
