/**
 * What checking one `message:send` payload costs the gateway, in µs per call, for a
 * typical valid payload and a few invalid ones: the class-validator path (the payload's
 * shape, then class-transformer and class-validator over the DTO, as `parsePayload` does).
 * Each case runs WARMUP calls first, then ITERATIONS calls timed together, one after
 * another as a socket's sends are checked. In process; nothing else needs to run.
 *
 *   node tools/run.js bench chat/send-validation.ts      (WARMUP=20000 ITERATIONS=100000)
 */
import { integer, parseEnv } from '@scale-chat/platform';
// The benchmark times the gateway's own pure functions in this process, so it imports
// them by path (nothing is started; the app exports no library).
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { SendMessageEvent } from '../../apps/chat-gateway/src/messages/messages.dto';
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import {
  parsePayload,
  refuseOversizeBody,
} from '../../apps/chat-gateway/src/realtime/socket-payloads';
import { runBenchmark } from '../report';

const { WARMUP, ITERATIONS } = parseEnv(process.env, {
  WARMUP: integer({ min: 0, max: 10_000_000 }, { default: 20_000 }),
  ITERATIONS: integer({ min: 1, max: 10_000_000 }, { default: 100_000 }),
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

/** The validation `message:send` runs today (ChatGateway.send). */
async function classValidatorPath(payload: unknown): Promise<unknown> {
  refuseOversizeBody(payload);
  return parsePayload(SendMessageEvent, payload);
}

interface Timing {
  readonly microseconds: number;
  readonly verdict: string;
}

/** µs per call of `check` on `payload`, and what it answered (accepted, or the refusal). */
async function time(check: (payload: unknown) => unknown, payload: unknown): Promise<Timing> {
  let verdict = 'accepted';
  const once = async () => {
    try {
      await check(payload);
    } catch (error) {
      verdict = `refused: ${String((error as Error).message).slice(0, 60)}`;
    }
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const startedAt = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) await once();
  const elapsed = Number(process.hrtime.bigint() - startedAt) / 1_000;
  return { microseconds: elapsed / ITERATIONS, verdict };
}

async function main(): Promise<void> {
  process.stdout.write(`\n${ITERATIONS} calls per case after ${WARMUP} to warm up\n`);
  process.stdout.write('\n| payload | class-validator µs/call | verdict |\n| --- | --- | --- |\n');
  for (const [label, payload] of CASES) {
    const timing = await time(classValidatorPath, payload);
    process.stdout.write(`| ${label} | ${timing.microseconds.toFixed(2)} | ${timing.verdict} |\n`);
  }
}

runBenchmark(main);
