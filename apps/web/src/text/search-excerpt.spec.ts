import { EXCERPT, searchExcerpt, type ExcerptPart } from './search-excerpt';

/** The parts as one string, each match in [brackets]. */
const marked = (parts: readonly ExcerptPart[]) =>
  parts.map((part) => (part.hit ? `[${part.text}]` : part.text)).join('');

describe('searchExcerpt', () => {
  it('marks every match of a short message, case-insensitively, in any script', () => {
    expect(marked(searchExcerpt('Lunch? 점심 at noon, LUNCH 점심', ' lunch '))).toBe(
      '[Lunch]? 점심 at noon, [LUNCH] 점심',
    );
    expect(marked(searchExcerpt('오늘 점심은 점심시간에', '점심'))).toBe(
      '오늘 [점심]은 [점심]시간에',
    );
    expect(marked(searchExcerpt('ΣΊΣΥΦΟΣ', 'σίσυφος'))).toBe('[ΣΊΣΥΦΟΣ]');
  });

  it('takes the query as text, not as a pattern', () => {
    expect(marked(searchExcerpt('is a+b (c) or ab c?', 'a+b (c)'))).toBe('is [a+b (c)] or ab c?');
    expect(marked(searchExcerpt('50% off, 500 left', '50%'))).toBe('[50%] off, 500 left');
  });

  it('shows a long message around its first match, cut between words, with what is left out elided', () => {
    const words = (from: number, count: number) =>
      Array.from({ length: count }, (_, index) => `w${from + index}`).join(' ');
    const body = `${words(0, 60)} needle ${words(60, 60)}`;
    const parts = searchExcerpt(body, 'NEEDLE');
    const text = marked(parts);
    expect(text.startsWith('…w')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    expect(text).toContain(' [needle] ');
    const shown = text.slice(1, -1).replace(/[[\]]/g, '');
    expect(body).toContain(shown);
    // Whole words at both cuts, and about as much before the match as the excerpt keeps.
    expect(shown).toMatch(/^w\d+ .* w\d+$/);
    expect(body.charAt(body.indexOf(shown) - 1)).toBe(' ');
    expect(body.charAt(body.indexOf(shown) + shown.length)).toBe(' ');
    expect(shown.indexOf('needle')).toBeGreaterThan(EXCERPT.before - 20);
    expect(shown.indexOf('needle')).toBeLessThanOrEqual(EXCERPT.before);
    expect(shown.length).toBeLessThanOrEqual(EXCERPT.length);
  });

  it('starts a long message at its beginning when the match is near it, and marks a match the cut splits up to the cut', () => {
    // No space near the end of the window: cut inside the run, at exactly the length.
    const body = `needle${'x'.repeat(EXCERPT.length - 10)}needle${'y'.repeat(300)}`;
    const parts = searchExcerpt(body, 'needle');
    expect(parts).toEqual([
      { text: 'needle', hit: true },
      { text: 'x'.repeat(EXCERPT.length - 10), hit: false },
      { text: 'need', hit: true },
      { text: '…', hit: false },
    ]);
  });

  it('never cuts a character written with two UTF-16 units in half', () => {
    const body = '😀'.repeat(200) + ' needle ' + '😀'.repeat(200);
    const shown = searchExcerpt(body, 'needle')
      .map((part) => part.text)
      .join('');
    expect(shown).not.toMatch(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/,
    );
    expect(shown).toContain('needle');
  });

  it('shows the start of a message whose match it cannot find, unmarked', () => {
    const body = 'Straße '.repeat(50);
    const parts = searchExcerpt(body, 'STRASSE');
    expect(parts.every((part) => !part.hit)).toBe(true);
    expect(parts[0]?.text.startsWith('Straße')).toBe(true);
    expect(parts.at(-1)).toEqual({ text: '…', hit: false });
  });
});
