import { isEmoji } from './emoji';

describe('isEmoji (API.md v1.1: one Extended_Pictographic grapheme cluster or a flag)', () => {
  it.each([
    ['a plain pictograph', '👍'],
    ['with a skin tone', '👍🏽'],
    ['with the emoji presentation selector', '❤️'],
    ['with the text presentation selector (still one pictograph)', '\u2764\uFE0E'],
    ['a ZWJ family', '👨‍👩‍👧‍👦'],
    ['a ZWJ profession with a skin tone', '👩🏾‍🚀'],
    ['a flag of regional indicators', '🇰🇷'],
    ['a subdivision flag of tags', '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ])('takes %s', (_name, text) => {
    expect(isEmoji(text)).toBe(true);
  });

  it.each([
    ['nothing', ''],
    ['a letter', 'a'],
    ['a word', 'thumbs'],
    ['an emoticon', ':)'],
    ['a keycap (its base is a digit)', '1️⃣'],
    ['two emoji', '👍👍'],
    ['an emoji and a letter', '👍a'],
    ['a lone regional indicator', '🇰'],
    ['three regional indicators', '🇰🇷🇰'],
    ['a space after it', '👍 '],
    ['a long run of joiners', `👍${'\u200D👍'.repeat(40)}`],
  ])('refuses %s', (_name, text) => {
    expect(isEmoji(text)).toBe(false);
  });
});
