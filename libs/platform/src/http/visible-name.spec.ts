import { validateSync } from 'class-validator';
import { VisibleName } from './character-length';

class Named {
  @VisibleName()
  name!: string;
}

const problemsOf = (name: string) => {
  const named = new Named();
  named.name = name;
  return validateSync(named).flatMap((error) => Object.values(error.constraints ?? {}));
};

describe('VisibleName', () => {
  it.each([
    ['letters and spaces', 'Lunch at noon'],
    ['Korean and emoji', '점심 🍜'],
    ['a family emoji (its joiners are not controls)', '👨‍👩‍👧'],
    ['right-to-left text with its marks', 'שלום\u200F'],
    ['a Persian name with its zero-width non-joiner', 'نیم\u200Cفاصله'],
    [
      "Scotland's flag (its tags)",
      'Ann \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}',
    ],
    ['one symbol', '★'],
    ['Hindi with its joiners', 'क्\u200Dष'],
    ['an Arabic number sign', '\u0600١٢'],
  ])('takes %s', (_name, name) => {
    expect(problemsOf(name)).toEqual([]);
  });

  it.each([
    ['a line break', 'line1\nline2'],
    ['a tab', 'a\tb'],
    ['a bell', 'ding\u0007'],
    ['a C1 control', 'a\u0085b'],
    ['a right-to-left override', 'Ann\u202Egnp.exe'],
    ['a directional isolate', 'a\u2067b'],
  ])('refuses %s', (_name, name) => {
    expect(problemsOf(name)).toEqual([
      'name must not contain control characters (line breaks, tabs, direction overrides)',
    ]);
  });

  it.each([
    ['a zero-width space', 'Al\u200Bice'],
    ['a Hangul filler', 'Ann\u3164'],
    ['a blank Braille pattern', '\u2800Ann'],
    ['a byte order mark', '\uFEFFAnn'],
    ['a soft hyphen', 'An\u00ADn'],
    ['a line separator', 'Ann\u2028Bob'],
    ['tags hiding text', 'Ann\u{E0068}\u{E0069}'],
    ['a flag with more tags than a subdivision has', '\u{1F3F4}' + '\u{E0061}'.repeat(9)],
    ['text hidden in flags, seven tags at a time', '\u{1F3F4}\u{E0068}\u{E0069}\u{1F3F4}\u{E0068}'],
    ['an inhibit-symmetric-swapping format character', 'Ann\u206A'],
    ['an interlinear annotation', 'Ann\uFFF9x\uFFFA'],
    ['a musical format character', 'Ann\u{1D173}'],
  ])('refuses %s', (_name, name) => {
    expect(problemsOf(name)).toEqual([
      'name must not contain invisible characters (zero-width spaces, fillers, separators)',
    ]);
  });

  it.each([
    ['only a joiner', '\u200D'],
    ['only combining marks', '\u0301\u0302'],
    ['only right-to-left marks', '\u200F\u200E'],
  ])('refuses a name that shows nothing: %s', (_name, name) => {
    expect(problemsOf(name)).toEqual(['name must show a letter, a digit or a symbol']);
  });
});
