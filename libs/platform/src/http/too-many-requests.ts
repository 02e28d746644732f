import { HttpException, HttpStatus } from '@nestjs/common';

/** What every refusal past a budget says, over REST and Socket.IO alike. */
export const tooManyRequests = (retryAfterSeconds: number): string =>
  `Too many requests; try again in ${retryAfterSeconds} s`;

/**
 * A 429 past a rate limit or budget: `ErrorShapeFilter` answers it in the one error shape
 * with `Retry-After`, which the message names too.
 */
export class TooManyRequestsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(tooManyRequests(retryAfterSeconds), HttpStatus.TOO_MANY_REQUESTS);
  }
}
