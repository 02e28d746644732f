import { CHAT_LIMITS, characterCount, isUuid } from '@scale-chat/contracts';
import { isInt, max, min } from 'class-validator';
import { characterLengthMessage } from '@scale-chat/platform';
import {
  checkPayloadShape,
  payloadKeysOf,
  refuseFieldProblems,
  refuseOversizeBody,
} from '../realtime/socket-payloads';
import { SEQ_MAX, SendMessageEvent } from './messages.dto';

/** A `message:send` as the gateway stores it. */
export type SendMessageFields = Pick<
  SendMessageEvent,
  'roomId' | 'clientMsgId' | 'body' | 'replyToSeq'
>;

/** The keys SendMessageEvent declares: the DTO stays the one list of them. */
const SEND_MESSAGE_KEYS = payloadKeysOf(SendMessageEvent);

/** IsString's message, or else CharacterLength's (`typeErrorsFirst`). */
function textProblems(property: string, value: unknown, limit: number, problems: string[]): void {
  if (typeof value !== 'string') {
    problems.push(`${property} must be a string`);
    return;
  }
  const count = characterCount(value);
  if (count < 1 || count > limit) problems.push(characterLengthMessage(property, 1, limit));
}

/**
 * A `message:send` payload checked by hand, without class-transformer or class-validator
 * on the hot path: it accepts exactly what `parsePayload(SendMessageEvent, …)` after
 * `refuseOversizeBody` accepts, with the same values (the room id lower-cased, the body
 * trimmed), and refuses everything else with the same `SocketError`, its messages in the
 * same order (roomId, clientMsgId, body, replyToSeq; each field's rules in the order
 * class-validator runs them, a field of the wrong type refused for that alone, as
 * `typeErrorsFirst` has it). send-message-payload.spec.ts holds both to it.
 */
export function parseSendMessage(payload: unknown): SendMessageFields {
  refuseOversizeBody(payload);
  checkPayloadShape(SEND_MESSAGE_KEYS, payload);
  // Own keys only, as parsePayload copies them (checkPayloadShape allowed no others).
  const field = (key: keyof SendMessageFields): unknown =>
    Object.hasOwn(payload, key) ? payload[key] : undefined;
  const givenRoomId = field('roomId');
  const roomId = typeof givenRoomId === 'string' ? givenRoomId.toLowerCase() : givenRoomId;
  const clientMsgId = field('clientMsgId');
  const givenBody = field('body');
  const body = typeof givenBody === 'string' ? givenBody.trim() : givenBody;
  const replyToSeq = field('replyToSeq');

  const problems: string[] = [];
  if (!isUuid(roomId)) problems.push('roomId must be a UUID');
  textProblems('clientMsgId', clientMsgId, CHAT_LIMITS.clientMsgIdMax, problems);
  textProblems('body', body, CHAT_LIMITS.bodyMax, problems);
  // IsOptional: null passes as undefined does (messages.service takes it as no reply).
  if (replyToSeq !== undefined && replyToSeq !== null) {
    if (!isInt(replyToSeq)) problems.push('replyToSeq must be an integer number');
    else {
      if (!max(replyToSeq, SEQ_MAX))
        problems.push(`replyToSeq must not be greater than ${SEQ_MAX}`);
      if (!min(replyToSeq, 1)) problems.push('replyToSeq must not be less than 1');
    }
  }
  refuseFieldProblems(problems);
  return {
    roomId: roomId as string,
    clientMsgId: clientMsgId as string,
    body: body as string,
    // The DTO's type, as parsePayload gives it: an integer, null or absent.
    ...(replyToSeq === undefined ? {} : { replyToSeq: replyToSeq as number | null }),
  };
}
