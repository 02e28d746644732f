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

const VARIATION_SELECTORS = /[\uFE0E\uFE0F]/gu;
/** A pictograph, unless a skin tone follows it (which then shows it as an emoji). */
const PICTOGRAPH = /\p{Extended_Pictographic}(?!\p{Emoji_Modifier})/gu;
const EMOJI_BY_DEFAULT = /^\p{Emoji_Presentation}$/u;

/**
 * The one form a reaction is kept under, so that emoji that look the same count as one
 * (found by an integrator's trial: 👍 and 👍 with U+FE0F were two reactions): variation
 * selectors taken out, then U+FE0F after each pictograph that shows as text by default,
 * as Unicode's fully-qualified form writes it (❤ and ❤︎ become ❤️; 👍️ becomes 👍). For
 * an `isEmoji` text; a flag is kept as it is.
 */
export function canonicalEmoji(emoji: string): string {
  if (FLAG.test(emoji)) return emoji;
  return emoji
    .replace(VARIATION_SELECTORS, '')
    .replace(PICTOGRAPH, (pictograph) =>
      EMOJI_BY_DEFAULT.test(pictograph) ? pictograph : `${pictograph}\uFE0F`,
    );
}
