import { waitPhrase } from './retry-after';

/** A REST answer other than 2xx (status 0: no answer at all), with API.md's error message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** From `Retry-After`, on 429 and 503 answers that carry it. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The request never got an answer (offline, or the server unreachable). */
  get unreachable(): boolean {
    return this.status === 0;
  }
}

export const OFFLINE_TEXT =
  "You're offline. The app will catch up as soon as the connection is back.";

/**
 * An error in words a person understands: never a stack, a `TypeError` or an HTTP code.
 * The server's own message is kept only for 4xx answers it wrote for people (validation,
 * conflicts), which API.md phrases as sentences.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) {
    const text = error instanceof Error ? error.message : String(error);
    return /timed? ?out/i.test(text)
      ? "The server didn't answer in time. Please try again."
      : 'Something went wrong. Please try again.';
  }
  if (error.unreachable) return OFFLINE_TEXT;
  if (error.status === 429)
    return error.retryAfterSeconds === undefined
      ? 'Too many attempts. Please wait a moment and try again.'
      : `Too many attempts. Try again ${waitPhrase(error.retryAfterSeconds)}.`;
  if (error.status === 401) return 'Your session has ended. Please log in again.';
  if (error.status === 403) return "You don't have access to that.";
  if (error.status === 404) return "That doesn't exist any more.";
  if (error.status >= 500)
    return 'The server is having trouble right now. Please try again in a moment.';
  // A 2xx whose body failed validate.ts: nothing the person could act on but a retry.
  if (error.status < 400) return "The server's answer couldn't be read. Please try again.";
  return error.message;
}

const REFUSALS: Readonly<Record<string, string>> = {
  forbidden:
    "You can't change that message: only its sender can (and the room's owner can delete it).",
  not_found: "That message doesn't exist any more.",
  bad_request: "That change isn't possible (the message may have been deleted).",
  rate_limited: 'Too many changes at once. Please wait a moment and try again.',
  payload_too_large: 'That text is too long.',
  unauthorized: 'Your login was being renewed. Please try again.',
  timeout: "The server didn't answer in time. Please try again.",
};

/** Refusals of what is no change to a message (`typing`, `read`), where they differ. */
const ROOM_REFUSALS: Readonly<Record<string, string>> = {
  forbidden: "You're no longer in that room.",
  not_found: "That room doesn't exist any more.",
};

/**
 * A refused change to a message (a Socket.IO error code of API.md), in words; `inRoom`: a
 * refused `typing` or `read`, which concern the room, not a message. A `bad_request` is
 * said in the server's own words when it gave some ("A message has at most 20 different
 * emoji", "The message was deleted"): they name the rule, which no code does.
 */
export function describeRefusal(code: string, inRoom = false, said = ''): string {
  if (code === 'bad_request' && said.trim() !== '') return said;
  return (
    (inRoom ? ROOM_REFUSALS[code] : undefined) ??
    REFUSALS[code] ??
    'Something went wrong. Please try again.'
  );
}
