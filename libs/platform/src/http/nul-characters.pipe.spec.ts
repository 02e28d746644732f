import { BadRequestException } from '@nestjs/common';
import {
  findLoneSurrogate,
  findNulCharacter,
  RejectNulCharactersPipe,
  unstorableText,
} from './nul-characters.pipe';

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

describe('findLoneSurrogate', () => {
  it('finds half a surrogate pair, high or low, in a string or a key, and names where', () => {
    expect(findLoneSurrogate({ body: 'a\ud800b' })).toBe('body');
    expect(findLoneSurrogate({ body: 'a\udc00' })).toBe('body');
    expect(findLoneSurrogate({ list: ['ok', '\ud83d'] })).toBe('list.1');
    expect(findLoneSurrogate({ ['k\udfff']: 1 })).toBe('k\udfff');
  });

  it('passes whole pairs (emoji) and every other character', () => {
    expect(findLoneSurrogate({ body: '😀 한국어 \u0001 \uffff', pair: '\ud83d\ude00' })).toBe(
      undefined,
    );
  });
});

describe('unstorableText', () => {
  it('says what is wrong and where, a NUL first', () => {
    expect(unstorableText({ a: '\ud800', b: '\u0000' })).toBe('b must not contain NUL characters');
    expect(unstorableText({ a: '\ud800' })).toBe(
      'a must be well-formed Unicode text (a lone surrogate)',
    );
    expect(unstorableText({ a: 'fine' })).toBe(undefined);
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

  it('answers 400 for a lone surrogate, which would be stored as U+FFFD', () => {
    expect(() => pipe.transform({ body: 'a\ud800b' }, { type: 'body' })).toThrow(
      BadRequestException,
    );
  });

  it('passes clean input through unchanged', () => {
    const body = { name: 'lunch' };
    expect(pipe.transform(body, { type: 'body' })).toBe(body);
  });
});
