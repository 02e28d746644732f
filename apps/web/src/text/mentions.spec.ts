import { resolveMentions } from '@scale-chat/contracts/mentions';
import { completeMention, mentionCandidates, mentionQuery, splitMentions } from './mentions';

describe('mentionQuery', () => {
  it('finds the username being typed after @', () => {
    expect(mentionQuery('hi @ki')).toBe('ki');
    expect(mentionQuery('@')).toBe('');
  });

  it('finds the start of a display name in any script too', () => {
    expect(mentionQuery('안녕 @김')).toBe('김');
  });

  it('is undefined outside a mention (an e-mail address, a finished word)', () => {
    expect(mentionQuery('ann@example')).toBeUndefined();
    expect(mentionQuery('@kim done')).toBeUndefined();
  });
});

describe('completeMention', () => {
  it('completes the typed part and puts the caret after it', () => {
    expect(completeMention('hi @ki and', 6, 'kim.m')).toEqual({
      text: 'hi @kim.m  and',
      caret: 10,
    });
  });
});

describe('mentionCandidates', () => {
  it('matches the start of usernames, case-insensitively', () => {
    const people = [{ username: 'Kim' }, { username: 'bob' }, { username: 'kira' }];
    expect(mentionCandidates(people, 'ki').map((p) => p.username)).toEqual(['Kim', 'kira']);
  });

  it('matches the start of any word of a display name, in any script', () => {
    const people = [
      { username: 'ann', displayName: '김안나' },
      { username: 'bob', displayName: 'Bob Lee' },
      { username: 'kim', displayName: null },
    ];
    expect(mentionCandidates(people, '김').map((p) => p.username)).toEqual(['ann']);
    expect(mentionCandidates(people, 'le').map((p) => p.username)).toEqual(['bob']);
    expect(mentionCandidates(people, 'an').map((p) => p.username)).toEqual(['ann']);
  });

  it('offers nothing for a username typed out whole, unless another goes on from it', () => {
    const people = [{ username: 'Kim' }, { username: 'kimchi' }, { username: 'bob' }];
    expect(mentionCandidates(people, 'BOB')).toEqual([]);
    expect(mentionCandidates(people, 'kim').map((p) => p.username)).toEqual(['Kim', 'kimchi']);
    expect(mentionCandidates(people, 'kimchi')).toEqual([]);
  });
});

describe('splitMentions', () => {
  const members = new Set(['kim', 'bob']);

  it("cuts out members' mentions and marks the reader's own", () => {
    expect(splitMentions('hey @Kim and @bob!', members, 'bob')).toEqual([
      { kind: 'text', text: 'hey ' },
      { kind: 'mention', text: '@Kim', me: false },
      { kind: 'text', text: ' and ' },
      { kind: 'mention', text: '@bob', me: true },
      { kind: 'text', text: '!' },
    ]);
  });

  it('leaves an @ of someone not in the room as text', () => {
    expect(splitMentions('@zed hi', members, 'bob')).toEqual([{ kind: 'text', text: '@zed hi' }]);
  });
});

/**
 * The highlights must be the server's mentions (`resolveMentions`, which fills a message's
 * `mentions`): each case is run through both. A highlight of `@ann.` names `ann.` and, when
 * that is not a member or both are, `ann`.
 */
describe('splitMentions and the server agree', () => {
  const members = new Set(['ann', 'bob', 'kim.m', 'ann.x', 'zed-']);
  const cases: [string, string[]][] = [
    ['hi @Ann', ['ann']],
    ['mail ann@bob or bob@kim.m', []],
    ['thanks @ann.', ['ann']],
    ['thanks @ann...', ['ann']],
    ['@ann- and @bob-!', ['ann', 'bob']],
    ['@kim.m.', ['kim.m']],
    ['@ann.x? @zed- @zed', ['ann.x', 'zed-']],
    ['(@bob),@ann', ['bob', 'ann']],
    ['@bob.@ann', ['bob']],
    ['@@ann', ['ann']],
    ['@an @안녕 @ carol @carol', []],
    ['@BOB @bob', ['bob']],
    ['see https://host.org/@ann or a/@bob', []],
  ];

  it.each(cases)('%s', (body, named) => {
    const ids = new Map([...members].map((name) => [name, name]));
    expect(resolveMentions(body, ids)).toEqual(named);
    const marked = splitMentions(body, members, 'ann')
      .filter((segment) => segment.kind === 'mention')
      .map((segment) => segment.text.slice(1).toLowerCase());
    const markedNames = new Set(
      marked.flatMap((name) => [name, name.replace(/[.-]+$/u, '')]).filter((n) => members.has(n)),
    );
    expect([...markedNames].sort()).toEqual([...named].sort());
  });

  it('marks a mention of the reader whichever of its names is theirs', () => {
    expect(splitMentions('ok @ann.', members, 'Ann')).toEqual([
      { kind: 'text', text: 'ok ' },
      { kind: 'mention', text: '@ann', me: true },
      { kind: 'text', text: '.' },
    ]);
  });

  it('takes the character before a piece of the body into account (after a link)', () => {
    for (const before of ['x', '/'])
      expect(splitMentions('@bob hi', members, 'ann', before)).toEqual([
        { kind: 'text', text: '@bob hi' },
      ]);
    expect(splitMentions('@bob hi', members, 'ann', ',')[0]).toEqual({
      kind: 'mention',
      text: '@bob',
      me: false,
    });
  });
});
