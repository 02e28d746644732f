import { randomUUID } from 'node:crypto';
import { parseEnvelope } from './parse-envelope';

const record = (fields: Record<string, unknown>) =>
  Buffer.from(
    JSON.stringify({
      id: randomUUID(),
      type: 'member.joined',
      occurredAt: new Date().toISOString(),
      data: {},
      ...fields,
    }),
  );

describe('parseEnvelope', () => {
  it('hands the event id on lower-case, as PostgreSQL hands a uuid back', () => {
    const id = randomUUID();
    expect(parseEnvelope(record({ id: id.toUpperCase() }))).toMatchObject({ id });
  });

  it.each<[string, Buffer | null, string]>([
    ['an empty record', null, 'empty record'],
    ['text that is not JSON', Buffer.from('{"id":'), 'not JSON'],
    ['a list', Buffer.from('[]'), 'not an object'],
    ['an id that is not a UUID', record({ id: 'event-1' }), 'id is not a UUID'],
    ['no type', record({ type: '' }), 'type is missing'],
    ['a type with a NUL', record({ type: 'member.joined\u0000' }), 'type is not a name'],
    ['a type over 100 characters', record({ type: 'x'.repeat(101) }), 'type is not a name'],
    [
      'a time Date cannot read',
      record({ occurredAt: 'yesterday' }),
      'occurredAt is not a time (RFC 3339)',
    ],
    [
      'a number Date reads as 2001',
      record({ occurredAt: '1' }),
      'occurredAt is not a time (RFC 3339)',
    ],
    ['no data', record({ data: undefined }), 'data is missing'],
  ])('says what is wrong with %s', (_, value, reason) => {
    expect(parseEnvelope(value)).toBe(reason);
  });
});
