import { BadRequestException } from '@nestjs/common';
import { findPrototypeKey, RejectPrototypeKeysPipe } from './prototype-keys.pipe';

describe('RejectPrototypeKeysPipe', () => {
  const pipe = new RejectPrototypeKeysPipe();
  const body = { type: 'body' as const };

  it('refuses a body with __proto__, constructor or prototype at any depth', () => {
    for (const json of [
      '{"__proto__": {"admin": true}}',
      '{"a": {"constructor": {"prototype": 1}}}',
      '{"list": [{"ok": 1}, {"__proto__": 1}]}',
    ]) {
      expect(() => pipe.transform(JSON.parse(json), body)).toThrow(BadRequestException);
    }
    expect(findPrototypeKey(JSON.parse('{"list": [{"ok": 1}, {"__proto__": 1}]}'))).toBe(
      'list.1.__proto__',
    );
  });

  it('passes ordinary bodies and leaves other arguments alone', () => {
    const ordinary = { name: 'proto', nested: { list: [1, 'constructor'] } };
    expect(pipe.transform(ordinary, body)).toBe(ordinary);
    expect(pipe.transform(JSON.parse('{"__proto__": 1}'), { type: 'query' })).toEqual(
      JSON.parse('{"__proto__": 1}'),
    );
  });
});
