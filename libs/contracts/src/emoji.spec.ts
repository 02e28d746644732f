import { canonicalEmoji, isEmoji } from './emoji';

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
    ['an emoji with tags after it (invisible text)', `👍${'\u{E0068}'.repeat(20)}`],
    ['a black flag with tags but no cancel tag', '\u{1F3F4}\u{E0067}\u{E0062}'],
    [
      'a black flag with more tags than a subdivision has',
      `\u{1F3F4}${'\u{E0061}'.repeat(7)}\u{E007F}`,
    ],
  ])('refuses %s', (_name, text) => {
    expect(isEmoji(text)).toBe(false);
  });
});

describe('canonicalEmoji: one form for emoji that look the same', () => {
  it.each([
    ['a pictograph that is an emoji by default, with or without U+FE0F', ['👍', '👍\uFE0F'], '👍'],
    [
      'one that is text by default, bare, emoji-style or text-style',
      ['\u2764', '\u2764\uFE0F', '\u2764\uFE0E'],
      '\u2764\uFE0F',
    ],
    [
      'a skin tone (no selector before it)',
      ['\u261D\u{1F3FB}', '\u261D\uFE0F\u{1F3FB}'],
      '\u261D\u{1F3FB}',
    ],
    [
      'a ZWJ sequence of a text-default pictograph',
      ['\u{1F3F3}\u200D\u{1F308}', '\u{1F3F3}\uFE0F\u200D\u{1F308}'],
      '\u{1F3F3}\uFE0F\u200D\u{1F308}',
    ],
    ['a flag', ['🇰🇷'], '🇰🇷'],
    ['a subdivision flag', ['🏴󠁧󠁢󠁳󠁣󠁴󠁿'], '🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
    [
      'a pictograph that is no emoji yet (no selector added)',
      ['\u{1FAFF}', '\u{1FAFF}\uFE0F'],
      '\u{1FAFF}',
    ],
  ])('%s', (_name, forms, canonical) => {
    for (const form of forms) {
      expect(canonicalEmoji(form)).toBe(canonical);
      expect(isEmoji(canonicalEmoji(form))).toBe(true);
    }
  });
});
