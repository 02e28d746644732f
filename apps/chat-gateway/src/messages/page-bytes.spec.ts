import { withinPageBytes } from './page-bytes';

describe('withinPageBytes', () => {
  const item = (text: string) => ({ text });
  // {"text":"…"} is 11 characters and the text; one separator each.
  const sized = (bytes: number) => item('x'.repeat(bytes - 12));

  it('keeps the longest head whose JSON fits, counting bytes, not characters', () => {
    expect(withinPageBytes([sized(40), sized(40), sized(40)], 100)).toHaveLength(2);
    expect(withinPageBytes([sized(50), sized(50)], 100)).toHaveLength(2);
    expect(withinPageBytes([sized(50), sized(51)], 100)).toHaveLength(1);
    // Escaped control characters and UTF-8 count as what goes on the wire.
    expect(withinPageBytes([item('\u0001'.repeat(15)), sized(20)], 100)).toHaveLength(1);
    expect(withinPageBytes([item('가'.repeat(29)), sized(20)], 100)).toHaveLength(1);
  });

  it('keeps one item whatever its size, and nothing of nothing', () => {
    expect(withinPageBytes([sized(500), sized(20)], 100)).toHaveLength(1);
    expect(withinPageBytes([], 100)).toEqual([]);
  });
});
