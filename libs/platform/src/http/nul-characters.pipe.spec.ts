import { BadRequestException } from '@nestjs/common';
import { findNulCharacter, RejectNulCharactersPipe } from './nul-characters.pipe';

describe('findNulCharacter', () => {
  it('finds a NUL in a string, a nested value or a key, and names where', () => {
    expect(findNulCharacter('a\u0000b')).toBe('the value');
    expect(findNulCharacter({ body: 'x\u0000' })).toBe('body');
    expect(findNulCharacter({ a: [{ b: 'ok' }, { c: '\u0000' }] })).toBe('a.1.c');
    expect(findNulCharacter({ ['k\u0000']: 1 })).toBe('k\u0000');
  });

  it('passes text without one, including other control characters', () => {
    expect(findNulCharacter({ body: 'line\nbreak\ttab \u0001 😀', n: 1, list: [null] })).toBe(
      undefined,
    );
  });
});

describe('RejectNulCharactersPipe', () => {
  const pipe = new RejectNulCharactersPipe();

  it('answers 400 for a body, query or path parameter holding one', () => {
    expect(() => pipe.transform({ name: 'a\u0000' }, { type: 'body' })).toThrow(
      BadRequestException,
    );
    expect(() => pipe.transform({ query: '\u0000' }, { type: 'query' })).toThrow(
      'Bad Request Exception',
    );
    expect(() => pipe.transform('id\u0000', { type: 'param', data: 'id' })).toThrow(
      BadRequestException,
    );
  });

  it('passes clean input through unchanged', () => {
    const body = { name: 'lunch' };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
  });
});
