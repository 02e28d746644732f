/**
 * API.md v1.1's reaction rule: one emoji, that is one grapheme cluster that is an
 * `Extended_Pictographic` sequence (with skin tones, either variation selector, keycap marks,
 * tags and ZWJ joins) or a flag (two regional indicators). Text, digits, several emoji or
 * a pictograph with letters attached are not.
 */
const PICTOGRAPHIC =
  /^\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0E\uFE0F\u20E3\u{E0020}-\u{E007F}]*(?:\u200D\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0E\uFE0F]*)*$/u;
const FLAG = /^\p{Regional_Indicator}{2}$/u;

/** Far above any real emoji (the longest ZWJ families are 11 code points): a cheap bound first. */
export const EMOJI_MAX_LENGTH = 64;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export function isEmoji(text: string): boolean {
  if (text.length === 0 || text.length > EMOJI_MAX_LENGTH) return false;
  const [first, second] = graphemes.segment(text);
  if (first === undefined || second !== undefined) return false;
  return PICTOGRAPHIC.test(text) || FLAG.test(text);
}
