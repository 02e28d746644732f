import { countOf } from './plural';

describe('countOf', () => {
  it.each([
    [0, '0 members'],
    [1, '1 member'],
    [2, '2 members'],
    [1200, '1,200 members'],
  ])('%i → %s', (count, text) => {
    expect(countOf(count, 'member')).toBe(text);
  });
});
