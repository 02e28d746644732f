import { plainToInstance } from 'class-transformer';
import { IsInt, IsOptional, validateSync } from 'class-validator';
import { QueryInteger } from './query-integer';

class Page {
  @IsOptional()
  @QueryInteger()
  @IsInt()
  limit?: number;
}

const read = (limit: unknown) => {
  const page = plainToInstance(Page, { limit });
  return { limit: page.limit, errors: validateSync(page).length };
};

describe('QueryInteger', () => {
  it('reads a decimal integer as its number', () => {
    expect(['20', '0', '-3'].map(read)).toEqual([
      { limit: 20, errors: 0 },
      { limit: 0, errors: 0 },
      { limit: -3, errors: 0 },
    ]);
  });

  it('leaves any other text for @IsInt to refuse, where Number() would read a number', () => {
    for (const text of [
      '0x10',
      '1e3',
      '+5',
      ' 5',
      '5 ',
      '5.0',
      '1.5',
      '',
      'abc',
      '0b1',
      'Infinity',
    ])
      expect({ text, ...read(text) }).toEqual({ text, limit: text, errors: 1 });
  });

  it('passes a value that is a number already unchanged', () => {
    expect(read(12)).toEqual({ limit: 12, errors: 0 });
    expect(read(1.5)).toEqual({ limit: 1.5, errors: 1 });
  });
});
