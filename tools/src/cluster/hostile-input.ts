import {
  CHAT_LIMITS,
  characterCount,
  isEmoji,
  MESSAGE_CHANGE_LIMITS,
  type SocketErrorCode,
} from '@scale-chat/contracts';
import fc from 'fast-check';

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

type FieldRule = (value: unknown) => boolean;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuid: FieldRule = (value) => typeof value === 'string' && UUID.test(value);
const text =
  (max: number, trim = false): FieldRule =>
  (value) => {
    if (typeof value !== 'string' || value.includes('\u0000')) return false;
    const length = characterCount(trim ? value.trim() : value);
    return length >= 1 && length <= max;
  };
const integer =
  (min: number, max: number): FieldRule =>
  (value) =>
    Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
/** class-validator's IsOptional: absent, undefined or null is fine. */
const optional =
  (rule: FieldRule): FieldRule =>
  (value) =>
    value === undefined || value === null || rule(value);

const SEQ = integer(1, Number.MAX_SAFE_INTEGER);
const BODY = text(CHAT_LIMITS.bodyMax, true);
const EMOJI: FieldRule = (value) => typeof value === 'string' && isEmoji(value);
const REACTION = { roomId: uuid, seq: SEQ, emoji: EMOJI };

/**
 * API.md's rules for each client event's payload, field by field; an event with several
 * shapes (v1.1's `sync` by `afterSeq` or by `afterVersion`) is valid in any one of them.
 */
const EVENT_RULES: Record<string, readonly Record<string, FieldRule>[]> = {
  'message:send': [
    {
      roomId: uuid,
      clientMsgId: text(CHAT_LIMITS.clientMsgIdMax),
      body: BODY,
      replyToSeq: optional(SEQ),
    },
  ],
  typing: [{ roomId: uuid, typing: (value) => typeof value === 'boolean' }],
  read: [{ roomId: uuid, seq: integer(0, Number.MAX_SAFE_INTEGER) }],
  sync: [
    {
      roomId: uuid,
      afterSeq: integer(0, Number.MAX_SAFE_INTEGER),
      limit: optional(integer(1, CHAT_LIMITS.syncMax)),
    },
    {
      roomId: uuid,
      afterVersion: integer(0, Number.MAX_SAFE_INTEGER),
      limit: optional(integer(1, MESSAGE_CHANGE_LIMITS.changesMax)),
    },
  ],
  'message:edit': [{ roomId: uuid, seq: SEQ, body: BODY }],
  'message:delete': [{ roomId: uuid, seq: SEQ }],
  'reaction:add': [REACTION],
  'reaction:remove': [REACTION],
};

/** The events whose `body` over the limit is `payload_too_large` before anything else. */
const BODY_EVENTS: readonly string[] = ['message:send', 'message:edit'];

/** A payload as the server gets it: Socket.IO sends JSON (undefined dropped, NaN null). */
function asSent(payload: unknown): unknown {
  const json = JSON.stringify(payload);
  return json === undefined ? undefined : (JSON.parse(json) as unknown);
}

/** True when `payload` is a valid `event` by API.md's rules: exactly its fields, each valid. */
export function isValidEvent(event: string, payload: unknown): boolean {
  const shapes = EVENT_RULES[event];
  if (shapes === undefined) throw new Error(`no rules for ${event}`);
  const sent = asSent(payload);
  if (typeof sent !== 'object' || sent === null || Array.isArray(sent)) return false;
  const fields = sent as Record<string, unknown>;
  return shapes.some(
    (rules) =>
      Object.keys(fields).every((key) => key in rules) &&
      Object.entries(rules).every(([key, rule]) => rule(fields[key])),
  );
}

/**
 * The one answer the gateway gives an invalid `event`: `payload_too_large` for a
 * `message:send` or `message:edit` whose body is over the limit (checked before anything
 * else), else `bad_request`.
 */
export function expectedRefusal(event: string, payload: unknown): SocketErrorCode {
  const sent = asSent(payload);
  const body =
    typeof sent === 'object' && sent !== null ? (sent as { body?: unknown }).body : undefined;
  return BODY_EVENTS.includes(event) &&
    typeof body === 'string' &&
    characterCount(body.trim()) > CHAT_LIMITS.bodyMax
    ? 'payload_too_large'
    : 'bad_request';
}

/**
 * Each client event of API.md with hostile payloads aimed at `roomId`: every one invalid
 * by API.md's rules (junk that happens to be valid, a boolean for `typing` say, is left
 * out), so each has one expected answer, `expectedRefusal`.
 */
export function hostileEvents(roomId: string): [string, fc.Arbitrary<unknown>][] {
  const room = fc.constant(roomId);
  const seqs = fc.integer({ min: 1, max: 1_000 });
  const events: [string, fc.Arbitrary<unknown>][] = [
    [
      'message:send',
      fc.oneof(
        hostile({ roomId: room, clientMsgId: fc.constant('ok'), body: fc.constant('hi') }),
        hostile({
          roomId: room,
          clientMsgId: fc.constant('ok'),
          body: fc.constant('hi'),
          replyToSeq: seqs,
        }),
      ),
    ],
    ['typing', hostile({ roomId: room, typing: fc.boolean() })],
    ['read', hostile({ roomId: room, seq: fc.nat() })],
    [
      'sync',
      fc.oneof(
        hostile({ roomId: room, afterSeq: fc.nat(), limit: fc.integer({ min: 1, max: 500 }) }),
        hostile({ roomId: room, afterVersion: fc.nat(), limit: fc.integer({ min: 1, max: 500 }) }),
      ),
    ],
    ['message:edit', hostile({ roomId: room, seq: seqs, body: fc.constant('hi') })],
    ['message:delete', hostile({ roomId: room, seq: seqs })],
    ['reaction:add', hostile({ roomId: room, seq: seqs, emoji: fc.constant('👍') })],
    ['reaction:remove', hostile({ roomId: room, seq: seqs, emoji: fc.constant('👍') })],
  ];
  return events.map(([event, payloads]) => [
    event,
    payloads.filter((payload) => !isValidEvent(event, payload)),
  ]);
}

/** Hostile bodies for `POST /api/rooms/:id/messages`. */
export const hostileMessageBodies = hostile({
  clientMsgId: fc.constant('ok'),
  body: fc.constant('hi'),
});

/** Hostile bodies for `POST /api/rooms/direct` (API.md v1.1): never a valid user id. */
export const hostileDirectRoomBodies = hostile({
  userId: fc.constant('00000000-0000-4000-8000-000000000000'),
});
