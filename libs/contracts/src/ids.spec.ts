import { isUuid } from './ids';

describe('isUuid', () => {
  it('accepts UUIDs in either case', () => {
    expect(isUuid('0b6f5c1e-8a4e-4f52-9a1c-2f0d3c4b5a69')).toBe(true);
    expect(isUuid('0B6F5C1E-8A4E-4F52-9A1C-2F0D3C4B5A69')).toBe(true);
  });

  it.each([
    '',
    'not-a-uuid',
    '0b6f5c1e8a4e4f529a1c2f0d3c4b5a69',
    '0b6f5c1e-8a4e-4f52-9a1c-2f0d3c4b5a6',
    42,
    null,
    undefined,
  ])('rejects %p', (value) => {
    expect(isUuid(value)).toBe(false);
  });
});
