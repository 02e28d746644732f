import { isJsonContentType, nestsDeeperThan } from './json-bodies';

describe('nestsDeeperThan', () => {
  it('counts the outer value as one level, arrays and objects alike', () => {
    expect(nestsDeeperThan({ a: [1, { b: 'x' }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: ['x'] }] }, 3)).toBe(true);
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(undefined, 1)).toBe(false);
  });

  it('walks a million levels without using the call stack', () => {
    const deep = JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`) as unknown;
    expect(nestsDeeperThan(deep, 32)).toBe(true);
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON; charset=UTF-8', true],
    ['application/json; charset="utf-8"', true],
    ['application/json;charset=utf-16le', false],
    ['application/x-www-form-urlencoded', false],
    ['text/plain', false],
    [undefined, false],
  ])('%s: %s', (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected);
  });
});
