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
});
