import { characterCount } from './chat';

describe('characterCount (how API.md counts characters)', () => {
  it('counts code points: an emoji or another astral character once', () => {
    expect(characterCount('')).toBe(0);
    expect(characterCount('hello')).toBe(5);
    expect(characterCount('안녕하세요')).toBe(5);
    expect(characterCount('😀')).toBe(1);
    expect(characterCount('a😀b𝄞')).toBe(4);
    expect(characterCount('😀'.repeat(4_000))).toBe(4_000);
  });

  it('counts a lone surrogate as one character', () => {
    expect(characterCount('\uD800')).toBe(1);
    expect(characterCount('\uDC00\uD800')).toBe(2);
  });
});
