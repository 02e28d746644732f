/**
 * What checking one `message:send` payload costs the gateway, in µs per call, for a
 * typical valid payload and a few invalid ones, two ways in the same run: the
 * class-validator path `message:send` took before issue 16 (the payload's shape, then
 * class-transformer and class-validator over the DTO, as `parsePayload` does) and
 * `parseSendMessage`, the hand-written check it takes now. Each case runs WARMUP calls
 * each way first, then ROUNDS rounds of ITERATIONS calls each way, alternating, one call
 * after another as a socket's sends are checked; the median round is printed (a busy
 * machine slows some rounds). In process; nothing else needs to run.
 *
 *   node tools/run.js bench chat/send-validation.ts    (WARMUP=20000 ITERATIONS=20000 ROUNDS=5)
 */
import { integer, parseEnv } from '@scale-chat/platform';
// The benchmark times the gateway's own pure functions in this process, so it imports
// them by path (nothing is started; the app exports no library).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { SendMessageEvent } from '../../apps/chat-gateway/src/messages/messages.dto';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { parseSendMessage } from '../../apps/chat-gateway/src/messages/send-message-payload';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import {
  parsePayload,
  refuseOversizeBody,
} from '../../apps/chat-gateway/src/realtime/socket-payloads';
import { runBenchmark } from '../report';

const { WARMUP, ITERATIONS, ROUNDS } = parseEnv(process.env, {
  WARMUP: integer({ min: 0, max: 10_000_000 }, { default: 20_000 }),
  ITERATIONS: integer({ min: 1, max: 10_000_000 }, { default: 20_000 }),
  ROUNDS: integer({ min: 1, max: 100 }, { default: 5 }),
});

const ROOM_ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const CLIENT_MSG_ID = '9b2e7a3c-1d4f-4e6a-8b0c-2f5d7e9a1c3b';
const BODY = 'a chat message about kafka and socket.io, '.repeat(3).slice(0, 120);

const CASES: readonly (readonly [string, unknown])[] = [
  ['valid, 120-character body', { roomId: ROOM_ID, clientMsgId: CLIENT_MSG_ID, body: BODY }],
  [
    'valid, with replyToSeq',
    { roomId: ROOM_ID, clientMsgId: CLIENT_MSG_ID, body: BODY, replyToSeq: 41 },
  ],
  ['every field of the wrong type', { roomId: 7, clientMsgId: [], body: null, replyToSeq: '41' }],
  ['an unknown field', { roomId: ROOM_ID, clientMsgId: CLIENT_MSG_ID, body: BODY, to: 'all' }],
  [
    'body over 4,000 characters',
    { roomId: ROOM_ID, clientMsgId: CLIENT_MSG_ID, body: 'x'.repeat(4_001) },
  ],
  ['not an object', 'hello'],
];

/** The validation `message:send` ran before parseSendMessage. */
async function classValidatorPath(payload: unknown): Promise<unknown> {
  refuseOversizeBody(payload);
  return parsePayload(SendMessageEvent, payload);
}

type Check = (payload: unknown) => unknown;

/** Calls `check` on `payload` `times` times, one after another; what the last call answered. */
async function call(check: Check, payload: unknown, times: number): Promise<string> {
  let verdict = 'accepted';
  for (let i = 0; i < times; i++) {
    try {
      await check(payload);
    } catch (error) {
      verdict = `refused: ${String((error as Error).message).slice(0, 60)}`;
    }
  }
  return verdict;
}

/** µs per call of `check` on `payload` over ITERATIONS calls. */
async function microsecondsPerCall(check: Check, payload: unknown): Promise<number> {
  const startedAt = process.hrtime.bigint();
  await call(check, payload, ITERATIONS);
  return Number(process.hrtime.bigint() - startedAt) / 1_000 / ITERATIONS;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

async function main(): Promise<void> {
  process.stdout.write(
    `\nper case: ${WARMUP} calls each way to warm up, then ${ROUNDS} rounds of ${ITERATIONS} calls each way, alternating; the median round\n`,
  );
  process.stdout.write(
    '\n| payload | class-validator µs/call | by hand µs/call | verdict |\n| --- | --- | --- | --- |\n',
  );
  for (const [label, payload] of CASES) {
    const before = await call(classValidatorPath, payload, WARMUP);
    const after = await call(parseSendMessage, payload, WARMUP);
    const rounds: [number[], number[]] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      rounds[0].push(await microsecondsPerCall(classValidatorPath, payload));
      rounds[1].push(await microsecondsPerCall(parseSendMessage, payload));
    }
    const verdict = before === after ? after : `DIFFER: ${before} / ${after}`;
    const [slow, fast] = rounds.map((times) => median(times).toFixed(2));
    process.stdout.write(`| ${label} | ${slow} | ${fast} | ${verdict} |\n`);
  }
}

runBenchmark(main);
