import { completeMention, mentionCandidates, mentionQuery, splitMentions } from './mentions';

describe('mentionQuery', () => {
  it('finds the username being typed after @', () => {
    expect(mentionQuery('hi @ki')).toBe('ki');
    expect(mentionQuery('@')).toBe('');
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
