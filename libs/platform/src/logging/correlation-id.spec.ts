import { correlationIdFrom, wellFormedCorrelationId } from './correlation-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlationIdFrom', () => {
  it("keeps the caller's well-formed id", () => {
    expect(correlationIdFrom('signup-42.a:b_c')).toBe('signup-42.a:b_c');
    expect(correlationIdFrom(['first', 'second'])).toBe('first');
  });

  it.each([undefined, '', 'with space', 'line\nbreak', 'x'.repeat(129)])(
    'replaces %p with a fresh UUID',
    (header) => {
      expect(correlationIdFrom(header)).toMatch(UUID);
    },
  );
});

describe('wellFormedCorrelationId (a Kafka header)', () => {
  it('keeps a well-formed id and drops anything else', () => {
    expect(wellFormedCorrelationId('room-1f2e')).toBe('room-1f2e');
    for (const header of [undefined, '', 'nul\u0000byte', 'line\nbreak', 'x'.repeat(129)])
      expect(wellFormedCorrelationId(header)).toBeUndefined();
  });
});
