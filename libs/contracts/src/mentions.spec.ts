import { withinDeadline } from '@scale-chat/wait';
import { mentionCandidates, resolveMentions } from './mentions';

describe('mentions', () => {
  it('finds @names case-insensitively, each once, in order of first appearance', () => {
    expect(mentionCandidates('hi @Bob and @ann_1, again @BOB')).toEqual(['bob', 'ann_1']);
  });

  it('takes a trailing full stop or dash as punctuation as well as part of a name', () => {
    expect(mentionCandidates('thanks @ann.')).toEqual(['ann.', 'ann']);
    expect(mentionCandidates('@a.b-c')).toEqual(['a.b-c']);
  });

  it('ignores addresses, names too short or too long, and a bare @', () => {
    expect(mentionCandidates('mail ann@host.org')).toEqual([]);
    expect(mentionCandidates('see https://host.org/@ann')).toEqual([]);
    expect(mentionCandidates('@ab @ x')).toEqual([]);
    expect(mentionCandidates(`@${'a'.repeat(33)}`)).toEqual([]);
    expect(mentionCandidates('@안녕하세요')).toEqual([]);
  });

  it('reads a body of punctuation in time growing with its length, not its square', () => {
    // 300,000 dots then a letter: some two minutes by a regular expression that tries each
    // run of dots from its start, milliseconds by one pass.
    const dots = '.'.repeat(300_000);
    expect(withinDeadline(10_000, () => mentionCandidates(`@${dots}a @${dots}`))).toEqual([]);
    expect(
      withinDeadline(10_000, () => mentionCandidates(`@ann${dots} @${'-'.repeat(300_000)}`)),
    ).toEqual(['ann']);
  });

  it("resolves names to the members' ids, leaving out who is not a member", () => {
    const members = new Map([
      ['ann', 'id-ann'],
      ['bob', 'id-bob'],
    ]);
    expect(resolveMentions('@BOB, @carol and @ann. @bob', members)).toEqual(['id-bob', 'id-ann']);
    expect(resolveMentions('no one', members)).toEqual([]);
  });
});
