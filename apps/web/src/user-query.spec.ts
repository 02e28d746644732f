import { checkUserQuery, othersThan } from './user-query';
import type { User } from './validate';

describe('checkUserQuery', () => {
  it('passes a username prefix on, trimmed', () => {
    expect(checkUserQuery(' kim.m ')).toEqual({ ok: true, query: 'kim.m' });
  });

  it.each(['김앨리스', 'Alice Kim', 'ann@example.com'])(
    'explains in plain words that %j cannot be searched',
    (query) => {
      const check = checkUserQuery(query);
      expect(check.ok).toBe(false);
      if (!check.ok) {
        expect(check.reason).toMatch(/username/);
        expect(check.reason).not.toMatch(/query may contain/);
      }
    },
  );

  it('refuses what is longer than any username', () => {
    expect(checkUserQuery('a'.repeat(33))).toEqual({
      ok: false,
      reason: 'A username has at most 32 characters.',
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
});
