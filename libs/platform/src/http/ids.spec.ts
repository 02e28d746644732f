import { NotFoundException } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { IsId } from './ids';
import { ParseIdPipe } from './parse-id.pipe';

const UPPER = '0B6F5C1E-8A4E-4F52-9A1C-2F0D3C4B5A69';
const LOWER = UPPER.toLowerCase();

class Body {
  @IsId() userId!: string;
  @IsId({ each: true }) memberIds!: string[];
}

describe('one rule for ids: either case, handled lower-case', () => {
  it('turns body ids lower-case and still refuses what is not a UUID', async () => {
    const body = plainToInstance(Body, { userId: UPPER, memberIds: [UPPER, LOWER] });
    expect(body).toEqual({ userId: LOWER, memberIds: [LOWER, LOWER] });
    expect(await validate(body)).toEqual([]);
    const bad = plainToInstance(Body, { userId: 'not-an-id', memberIds: [42] });
    expect((await validate(bad)).map((problem) => problem.property)).toEqual([
      'userId',
      'memberIds',
    ]);
  });

  it('turns path ids lower-case; a path that is not a UUID is a 404', () => {
    const pipe = new ParseIdPipe('User not found');
    expect(pipe.transform(UPPER)).toBe(LOWER);
    expect(() => pipe.transform('me-not')).toThrow(NotFoundException);
  });
});
