import { searchQueryProblem } from './search-query';

describe('searchQueryProblem', () => {
  it('takes 2 to 100 characters in any script', () => {
    expect(searchQueryProblem('안녕')).toBeUndefined();
    expect(searchQueryProblem('x'.repeat(100))).toBeUndefined();
  });

  it('says what is wrong with a query too short or too long', () => {
    expect(searchQueryProblem(' a ')).toBe('Type at least 2 characters.');
    expect(searchQueryProblem('가'.repeat(101))).toBe('Search with at most 100 characters.');
  });
});
