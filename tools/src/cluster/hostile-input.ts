import { CHAT_LIMITS, characterCount, type SocketErrorCode } from '@scale-chat/contracts';
import fc from 'fast-check';

/** The codes a failed acknowledgement may carry (API.md). */
export const SOCKET_ERROR_CODES: readonly SocketErrorCode[] = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'rate_limited',
  'payload_too_large',
  'internal',
];

/**
 * A value that is never a valid field of any event: anything but a string, or a string
 * empty, too long for every field even once trimmed (a short string may be a valid
 * clientMsgId), or holding a NUL character.
 */
export const junk = fc
  .oneof(
    fc.anything({ maxDepth: 3 }),
    fc.string({ minLength: 4_001, maxLength: 20_000 }),
    // PostgreSQL stores no NUL character: a text holding one is invalid at any length.
    fc.string({ maxLength: 30 }).map((text) => `${text}\u0000`),
    fc.constantFrom('', -1, 1.5, Number.MAX_SAFE_INTEGER + 2, null, [], {}),
    fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as unknown),
  )
  .filter(
    // A body counts after trimming: "   …   !" is a valid one-character body.
    (value) =>
      typeof value !== 'string' ||
      value.length === 0 ||
      value.includes('\u0000') ||
      characterCount(value.trim()) > CHAT_LIMITS.bodyMax,
  );

/** Payloads of an event's shape where at least one field is junk, or one is extra. */
export function hostile(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  return fc.oneof(
    junk,
    fc.record(Object.fromEntries(Object.keys(fields).map((key) => [key, junk]))),
    fc
      .tuple(fc.record(fields), fc.constantFrom(...Object.keys(fields)), junk)
      .map(([valid, key, bad]) => ({ ...valid, [key]: bad }))
      .filter((payload) => JSON.stringify(payload) !== undefined),
    fc.record(fields).map((valid) => ({ ...valid, extra: 'field' })),
    fc
      .record(fields)
      .map((valid) => ({ ...valid, ...(JSON.parse('{"__proto__": {"x": 1}}') as object) })),
  );
}

/** Each client event of API.md with hostile payloads aimed at `roomId`. */
export function hostileEvents(roomId: string): [string, fc.Arbitrary<unknown>][] {
  const room = fc.constant(roomId);
  return [
    [
      'message:send',
      hostile({ roomId: room, clientMsgId: fc.constant('ok'), body: fc.constant('hi') }),
    ],
    ['typing', hostile({ roomId: room, typing: fc.boolean() })],
    ['read', hostile({ roomId: room, seq: fc.nat() })],
    [
      'sync',
      hostile({ roomId: room, afterSeq: fc.nat(), limit: fc.integer({ min: 1, max: 500 }) }),
    ],
  ];
}

/** Hostile bodies for `POST /api/rooms/:id/messages`. */
export const hostileMessageBodies = hostile({
  clientMsgId: fc.constant('ok'),
  body: fc.constant('hi'),
});
