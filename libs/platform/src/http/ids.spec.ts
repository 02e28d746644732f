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

  it('takes in a body every UUID a path takes, versioned or not, as PostgreSQL does', async () => {
    const pipe = new ParseIdPipe('User not found');
    for (const id of [
      '12345678-1234-1234-1234-123456789012', // no version, no variant
      '00000000-0000-0000-0000-000000000001',
      '00000000-0000-0000-0000-000000000000',
    ]) {
      expect(pipe.transform(id)).toBe(id);
      expect(await validate(plainToInstance(Body, { userId: id, memberIds: [id] }))).toEqual([]);
    }
    const [problem] = await validate(plainToInstance(Body, { userId: LOWER, memberIds: ['x'] }));
    expect(problem?.constraints).toEqual({ matches: 'each value in memberIds must be a UUID' });
  });

  it('turns path ids lower-case; a path that is not a UUID is a 404', () => {
    const pipe = new ParseIdPipe('User not found');
    expect(pipe.transform(UPPER)).toBe(LOWER);
    expect(() => pipe.transform('me-not')).toThrow(NotFoundException);
  });
});
