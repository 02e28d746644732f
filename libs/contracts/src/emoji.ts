/**
 * API.md v1.1's reaction rule: one emoji, that is one grapheme cluster that is an
 * `Extended_Pictographic` sequence (with skin tones, either variation selector, keycap marks
 * and ZWJ joins) or a flag: two regional indicators, or a subdivision's (🏴, its tags, the
 * cancel tag). Text, digits, several emoji, a pictograph with letters attached, or one
 * with tags after it that make no flag (invisible text) are not.
 */
const PICTOGRAPHIC =
  /^\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0E\uFE0F\u20E3]*(?:\u200D\p{Extended_Pictographic}[\p{Emoji_Modifier}\uFE0E\uFE0F]*)*$/u;
const FLAG =
  /^(?:\p{Regional_Indicator}{2}|\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,6}\u{E007F})$/u;

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
/**
 * An emoji that shows as text unless U+FE0F follows it. Only emoji: a pictograph Unicode
 * has not made one yet (U+1FAFF, say) takes no selector, so that its form does not change
 * once it is (with the ICU of a newer Node) and orphan the reactions kept under it.
 */
const TEXT_BY_DEFAULT = /^(?=\p{Emoji})\P{Emoji_Presentation}$/u;

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
      TEXT_BY_DEFAULT.test(pictograph) ? `${pictograph}\uFE0F` : pictograph,
    );
}
