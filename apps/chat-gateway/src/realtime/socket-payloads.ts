import { HttpException, HttpStatus } from '@nestjs/common';
import {
  CHAT_LIMITS,
  characterCount,
  type ClientToServerEvents,
  type SocketAck,
  type SocketAckError,
  type SocketErrorCode,
} from '@scale-chat/contracts';
import {
  unstorableText,
  JSON_DEPTH_MAX,
  nestsDeeperThan,
  typeErrorsFirst,
  TooManyRequestsException,
} from '@scale-chat/platform';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import type { LimitedAction } from '../limits/user-rate-limits';
import { getMetadataStorage, validate } from 'class-validator';

/**
 * A refusal with one of API.md's acknowledgement codes; a `rate_limited` one says when
 * to try again.
 */
export class SocketError extends Error {
  constructor(
    readonly code: SocketErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SocketError';
  }
}

const CODES: Readonly<Partial<Record<number, SocketErrorCode>>> = {
  [HttpStatus.BAD_REQUEST]: 'bad_request',
  [HttpStatus.UNAUTHORIZED]: 'unauthorized',
  [HttpStatus.FORBIDDEN]: 'forbidden',
  [HttpStatus.NOT_FOUND]: 'not_found',
  [HttpStatus.CONFLICT]: 'bad_request',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'payload_too_large',
  [HttpStatus.TOO_MANY_REQUESTS]: 'rate_limited',
};

/**
 * The failed acknowledgement for `error`: the services' HTTP exceptions keep their
 * meaning and message; anything else is `internal` with nothing of the cause in it.
 */
export function failedAck(error: unknown): SocketAck & { ok: false } {
  if (error instanceof SocketError) {
    return { ok: false, error: ackError(error.code, error.message, error.retryAfterSeconds) };
  }
  if (error instanceof HttpException) {
    const code = CODES[error.getStatus()];
    const retryAfter =
      error instanceof TooManyRequestsException ? error.retryAfterSeconds : undefined;
    if (code !== undefined) return { ok: false, error: ackError(code, error.message, retryAfter) };
  }
  return { ok: false, error: { code: 'internal', message: 'Something went wrong' } };
}

/** An acknowledgement's error, with `retryAfterSeconds` only when there is a wait to tell. */
const ackError = (
  code: SocketErrorCode,
  message: string,
  retryAfterSeconds: number | undefined,
): SocketAckError =>
  retryAfterSeconds === undefined ? { code, message } : { code, message, retryAfterSeconds };

/** Answers `error` to an event's acknowledgement callback (its last argument), if it has one. */
export function ackFailure(args: readonly unknown[], error: SocketError): void {
  const ack = args.at(-1);
  if (typeof ack === 'function') (ack as (answer: SocketAck) => void)(failedAck(error));
}

/**
 * The events of API.md a client may send, each with the budget it spends
 * (`UserRateLimits`); the type keeps it in step with the contract, so an event added
 * there does not compile here until it has a budget. v1.1's changes to messages spend
 * the send budget, as their REST calls do (docs/chat.md).
 */
const EVENT_BUDGETS: Readonly<Record<keyof ClientToServerEvents, LimitedAction>> = {
  'message:send': 'send',
  'message:edit': 'send',
  'message:delete': 'send',
  'reaction:add': 'send',
  'reaction:remove': 'send',
  typing: 'typing',
  read: 'read',
  sync: 'history',
};

const isClientEvent = (event: unknown): event is keyof ClientToServerEvents =>
  typeof event === 'string' && Object.hasOwn(EVENT_BUDGETS, event);

/** The budget `event` spends, or undefined for an event API.md does not name. */
export function budgetOf(event: unknown): LimitedAction | undefined {
  return isClientEvent(event) ? EVENT_BUDGETS[event] : undefined;
}

/**
 * The refusal of an event API.md does not name (`bad_request`: any failure acks), or
 * undefined for one of its events.
 */
export function unknownEventRefusal(event: unknown): SocketError | undefined {
  if (isClientEvent(event)) return undefined;
  const name = typeof event === 'string' ? event.slice(0, 64) : typeof event;
  return new SocketError('bad_request', `unknown event: ${name}`);
}

const knownKeys = new Map<ClassConstructor<object>, ReadonlySet<string>>();

/** The keys a payload of `type` may have: the properties its class-validator rules name. */
export function payloadKeysOf(type: ClassConstructor<object>): ReadonlySet<string> {
  let keys = knownKeys.get(type);
  if (keys === undefined) {
    keys = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(type, '', true, false)
        .map((metadata) => metadata.propertyName),
    );
    knownKeys.set(type, keys);
  }
  return keys;
}

/** A body longer than API.md allows is `payload_too_large`, not just invalid. */
export function refuseOversizeBody(payload: unknown): void {
  const body: unknown =
    typeof payload === 'object' && payload !== null
      ? (payload as { body?: unknown }).body
      : undefined;
  if (typeof body === 'string' && characterCount(body.trim()) > CHAT_LIMITS.bodyMax) {
    throw new SocketError(
      'payload_too_large',
      `body is longer than ${CHAT_LIMITS.bodyMax} characters`,
    );
  }
}

/**
 * What every payload must be before its fields are looked at: a plain object with no
 * key but `allowed` (an unknown or inherited key such as `__proto__` is refused), no
 * deeper than JSON_DEPTH_MAX and without NUL characters; else a `bad_request` naming
 * what is wrong.
 */
export function checkPayloadShape(
  allowed: ReadonlySet<string>,
  payload: unknown,
): asserts payload is Readonly<Record<string, unknown>> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SocketError('bad_request', 'the payload must be an object');
  }
  const unknown = Object.keys(payload).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw new SocketError('bad_request', `unknown fields: ${unknown.slice(0, 5).join(', ')}`);
  }
  // Before anything walks it recursively (parsePayload), as for REST bodies.
  if (nestsDeeperThan(payload, JSON_DEPTH_MAX)) {
    throw new SocketError('bad_request', `the payload nests deeper than ${JSON_DEPTH_MAX} levels`);
  }
  const unstorable = unstorableText(payload);
  if (unstorable !== undefined) throw new SocketError('bad_request', unstorable);
}

/** The refusal of a payload whose fields break `problems` (each a rule's message), if any. */
export function refuseFieldProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new SocketError('bad_request', problems.join('; '));
}

/**
 * An event's payload checked against the same class-validator rules as the REST bodies:
 * of the shape checkPayloadShape asks for, each declared key valid. Anything else (a
 * wrong type, too long) is a `bad_request` naming what is wrong; nothing of it reaches
 * a service.
 */
export async function parsePayload<T extends object>(
  type: ClassConstructor<T>,
  payload: unknown,
): Promise<T> {
  checkPayloadShape(payloadKeysOf(type), payload);
  const plain: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(payload)) plain[key] = payload[key];
  const instance = plainToInstance(type, plain);
  const problems = await validate(instance, { forbidUnknownValues: true });
  refuseFieldProblems(
    typeErrorsFirst(problems).flatMap((problem) => Object.values(problem.constraints ?? {})),
  );
  return instance;
}
