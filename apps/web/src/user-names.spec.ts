import { distinctName, nameKey, sharedNames } from './user-names';

describe('nameKey', () => {
  it('ignores case, the spaces around and between words, and invisible characters', () => {
    const alice = nameKey('Alice Kim');
    for (const lookalike of [
      ' alice kim ',
      'ALICE  KIM',
      'Alice\u200b Kim',
      '\u202eAlice Kim',
      'Ａｌｉｃｅ Kim',
    ])
      expect(nameKey(lookalike)).toBe(alice);
    expect(nameKey('Alice Kimm')).not.toBe(alice);
  });

  it('keeps names in other scripts apart from each other', () => {
    expect(nameKey('김지은')).toBe('김지은');
    expect(nameKey('김지은')).not.toBe(nameKey('김지운'));
  });
});

describe('sharedNames', () => {
  const alice = { id: 'a1', username: 'alice', displayName: 'Alice' };
  const impostor = { id: 'a2', username: 'alice_real', displayName: 'ALICE' };
  const bob = { id: 'b1', username: 'bob', displayName: 'Bob' };

  it('finds a name two people go by, not one person met twice', () => {
    expect([...sharedNames([alice, bob, impostor])]).toEqual(['alice']);
    expect(sharedNames([alice, bob, alice]).size).toBe(0);
  });

  it('adds the username to a shared name only', () => {
    const shared = sharedNames([alice, bob, impostor]);
    expect(distinctName(alice, shared)).toBe('\u2068Alice\u2069 (@alice)');
    expect(distinctName(impostor, shared)).toBe('\u2068ALICE\u2069 (@alice_real)');
    expect(distinctName(bob, shared)).toBe('Bob');
  });
});
