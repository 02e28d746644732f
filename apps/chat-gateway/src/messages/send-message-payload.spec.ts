import { CHAT_LIMITS } from '@scale-chat/contracts';
import { JSON_DEPTH_MAX } from '@scale-chat/platform';
import fc from 'fast-check';
import {
  failedAck,
  parsePayload,
  payloadKeysOf,
  refuseOversizeBody,
} from '../realtime/socket-payloads';
import { SEQ_MAX, SendMessageEvent } from './messages.dto';
import { parseSendMessage } from './send-message-payload';

/** What a check answered: the fields it accepted, or the acknowledgement's error. */
type Verdict = { ok: true; fields: object } | { ok: false; code: string; message: string };

function verdictOf(error: unknown): Verdict {
  const { error: refusal } = failedAck(error);
  return { ok: false, ...refusal };
}

/** The class-validator path `message:send` took before parseSendMessage. */
async function throughTheDto(payload: unknown): Promise<Verdict> {
  try {
    refuseOversizeBody(payload);
    return { ok: true, fields: { ...(await parsePayload(SendMessageEvent, payload)) } };
  } catch (error) {
    return verdictOf(error);
  }
}

function byHand(payload: unknown): Verdict {
  try {
    return { ok: true, fields: parseSendMessage(payload) };
  } catch (error) {
    return verdictOf(error);
  }
}

const DECLARED_KEYS: readonly string[] = [...payloadKeysOf(SendMessageEvent)];
const ROOM_ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';

/** A string of `count` units of `unit`, between `pad` on either side. */
const repeated = fc
  .tuple(
    fc.constantFrom('x', 'é', '😀', '\uD800', '\uDFFF', ' ', '\u0000', '\u3000'),
    fc.constantFrom(0, 1, 2, 63, 64, 65, 3_999, 4_000, 4_001, 4_100),
    fc.constantFrom('', ' ', '\n\t', '\u00A0', '😀'),
  )
  .map(([unit, count, pad]) => `${pad}${unit.repeat(count)}${pad}`);

const text = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ maxLength: 80, unit: 'binary' }),
  // Any UTF-16 units: lone surrogates and NUL among them, often.
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 70 })
    .map((codes) => String.fromCharCode(...codes)),
  repeated,
  fc.uuid().map((id) => id.toUpperCase()),
  fc.uuid(),
  fc.constantFrom('', ' ', '5', 'null', `{${ROOM_ID}}`, `${ROOM_ID} `, ROOM_ID.replaceAll('-', '')),
);

const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, 1, 1.5, -1, SEQ_MAX, SEQ_MAX + 1, 2 ** 53, 1e300, NaN, Infinity),
);

/** Depth around JSON_DEPTH_MAX: arrays and objects nested `depth` deep around `inner`. */
const nested = fc
  .tuple(
    fc.integer({ min: 1, max: JSON_DEPTH_MAX + 3 }),
    fc.boolean(),
    fc.anything({ maxDepth: 2 }),
  )
  .map(([depth, asArrays, inner]) => {
    let value: unknown = inner;
    for (let level = 0; level < depth; level++) value = asArrays ? [value] : { a: value };
    return value;
  });

/** A value for any field: right for some field, wrong for others, or junk. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  text,
  number,
  fc.constantFrom(null, undefined, true, false, [], {}, Buffer.from('ab')),
  fc.anything({ maxDepth: 3 }),
  nested,
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}}') as unknown),
  fc.constant({ 'a\u0000': 1 }),
);

/** Keys besides the declared ones, including those an object inherits. */
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'mentions'),
  fc.constantFrom('roomid', 'ROOMID', 'body ', '', '0', '1', 'a\u0000', 'replyTo'),
  fc.string({ maxLength: 10 }),
);

/** Exactly `limit` characters, as API.md counts them (an emoji, a lone surrogate: one). */
const atTheLimit = (limit: number) =>
  fc.constantFrom('x', '😀', '\uD800', '\uDFFF').map((unit) => unit.repeat(limit));

/** A likely field value for `key`, so that many payloads are valid or nearly. */
const goodValue = (key: string): fc.Arbitrary<unknown> => {
  switch (key) {
    case 'roomId':
      return fc.oneof(
        fc.uuid(),
        fc.uuid().map((id) => id.toUpperCase()),
      );
    case 'clientMsgId':
      return fc.oneof(
        fc.uuid(),
        fc.string({ minLength: 1, maxLength: CHAT_LIMITS.clientMsgIdMax }),
        // Code points, not UTF-16 units, count: up to 128 units.
        fc.string({ minLength: 1, maxLength: CHAT_LIMITS.clientMsgIdMax, unit: 'binary' }),
        atTheLimit(CHAT_LIMITS.clientMsgIdMax),
      );
    case 'body':
      return fc.oneof(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.string({ minLength: 1, maxLength: 200, unit: 'binary' }),
        atTheLimit(CHAT_LIMITS.bodyMax).map((body) => ` ${body}\n`),
      );
    default:
      return fc.oneof(fc.integer({ min: 1, max: SEQ_MAX }), fc.constant(null));
  }
};

/**
 * A payload as an object of own keys in any order (`__proto__` among them, as JSON.parse
 * makes it): each declared key absent, good or anything, and maybe some extra keys.
 */
const payloadObject = fc
  .tuple(
    fc.tuple(
      ...DECLARED_KEYS.map((key) =>
        fc.option(
          fc.oneof({ weight: 3, arbitrary: goodValue(key) }, { weight: 1, arbitrary: value }),
          { nil: undefined, freq: 4 },
        ),
      ),
    ),
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.array(fc.tuple(extraKey, value), { minLength: 1, maxLength: 2 }) },
    ),
  )
  .chain(([values, extras]) => {
    const entries: [string, unknown][] = DECLARED_KEYS.flatMap((key, index) =>
      values[index] === undefined ? [] : [[key, values[index]] as [string, unknown]],
    );
    entries.push(...extras);
    return fc.shuffledSubarray(entries, { minLength: entries.length });
  })
  .map((entries) => Object.fromEntries(entries) as unknown);

/** As it comes off the wire: through JSON, as Socket.IO's parser hands payloads over. */
const payload = fc.oneof(
  { weight: 6, arbitrary: payloadObject },
  {
    weight: 3,
    arbitrary: payloadObject
      .map((given) => JSON.stringify(given))
      .filter((json): json is string => json !== undefined)
      .map((json) => JSON.parse(json) as unknown),
  },
  { weight: 1, arbitrary: value },
);

describe('parseSendMessage', () => {
  it('handles exactly the keys SendMessageEvent declares', () => {
    expect([...DECLARED_KEYS].sort()).toEqual(['body', 'clientMsgId', 'replyToSeq', 'roomId']);
  });

  it.each([
    ['valid', { roomId: ROOM_ID.toUpperCase(), clientMsgId: 'm-1', body: '  hi  ' }],
    ['a reply', { roomId: ROOM_ID, clientMsgId: 'm-1', body: 'hi', replyToSeq: SEQ_MAX }],
    ['replyToSeq null', { roomId: ROOM_ID, clientMsgId: 'm-1', body: 'hi', replyToSeq: null }],
    ['empty', {}],
    ['every field wrong', { roomId: 1, clientMsgId: [], body: null, replyToSeq: '5' }],
    ['a body of spaces', { roomId: ROOM_ID, clientMsgId: 'm', body: ' \n ' }],
    ['a body too long', { roomId: ROOM_ID, clientMsgId: 'm', body: 'x'.repeat(4_001) }],
    ['64 emoji', { roomId: ROOM_ID, clientMsgId: '😀'.repeat(64), body: 'b' }],
    ['65 emoji', { roomId: ROOM_ID, clientMsgId: '😀'.repeat(65), body: 'b' }],
    ['a lone surrogate', { roomId: ROOM_ID, clientMsgId: '\uD800', body: '\uDFFF' }],
    ['NUL', { roomId: ROOM_ID, clientMsgId: 'm\u0000', body: 'b\u0000' }],
    ['__proto__', JSON.parse(`{"roomId":"${ROOM_ID}","__proto__":{"body":"x"}}`) as unknown],
    ['an array', [ROOM_ID]],
    ['a string', 'hello'],
    ['null', null],
    ['undefined', undefined],
  ])('agrees with the DTO on %s', async (_name, given) => {
    expect(byHand(given)).toEqual(await throughTheDto(given));
  });

  it('agrees with the DTO on every generated payload: verdict, values and error text', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (given) => {
        const expected = await throughTheDto(given);
        expect(byHand(given)).toEqual(expected);
        if (expected.ok) accepted += 1;
      }),
      { seed: 16, numRuns: 5_000 },
    );
    // The generator reaches the accepting side too, not only refusals.
    expect(accepted).toBeGreaterThan(250);
  }, 60_000);
});
