import { BadRequestException } from '@nestjs/common';
import { directPair } from './direct-rooms';

describe('directPair (the order the unique index holds a direct room in)', () => {
  const low = '11111111-1111-4111-8111-111111111111';
  const high = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

  it('puts the lower id first, whoever asks', () => {
    expect(directPair(low, high)).toEqual([low, high]);
    expect(directPair(high, low)).toEqual([low, high]);
  });

  it("refuses the caller's own id", () => {
    expect(() => directPair(low, low)).toThrow(BadRequestException);
  });
});
