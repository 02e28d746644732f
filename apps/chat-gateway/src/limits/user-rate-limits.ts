import { Inject, Injectable } from '@nestjs/common';
import {
  SERVICE_CONFIG,
  TokenBucketRateLimiter,
  TooManyRequestsException,
  type RateDecision,
} from '@scale-chat/platform';
import type { ChatConfig } from '../chat-config';

/** What a user does that costs the system: each has one budget, whichever transport. */
export type LimitedAction =
  'send' | 'typing' | 'read' | 'history' | 'rooms' | 'search' | 'handshake';

/** A bucket refilled by the minute, for what a person does a few times a minute at most. */
const perMinute = (burst: number, refillsPerMinute: number) =>
  new TokenBucketRateLimiter(burst, refillsPerMinute / 60);

/**
 * One token bucket per user and action for this instance, shared by REST and Socket.IO:
 * 200 `POST …/messages` cost the same budget as 200 `message:send`.
 */
@Injectable()
export class UserRateLimits {
  private readonly limiters: Readonly<Record<LimitedAction, TokenBucketRateLimiter>>;

  constructor(@Inject(SERVICE_CONFIG) config: ChatConfig) {
    this.limiters = {
      send: new TokenBucketRateLimiter(
        config.extra.MESSAGE_RATE_BURST,
        config.extra.MESSAGE_RATE_PER_SECOND,
      ),
      // Typing and read receipts are fanned out to every member, so they are limited too.
      typing: new TokenBucketRateLimiter(
        config.extra.TYPING_RATE_BURST,
        config.extra.TYPING_RATE_PER_SECOND,
      ),
      read: new TokenBucketRateLimiter(
        config.extra.READ_RATE_BURST,
        config.extra.READ_RATE_PER_SECOND,
      ),
      // A page of history is a small request with an answer of up to 500 messages.
      history: new TokenBucketRateLimiter(
        config.extra.HISTORY_RATE_BURST,
        config.extra.HISTORY_RATE_PER_SECOND,
      ),
      // Each runs a room saga or a write under the room's lock, and fans out to every member.
      rooms: perMinute(config.extra.ROOM_WRITE_RATE_BURST, config.extra.ROOM_WRITE_RATE_PER_MINUTE),
      // A two-character search may walk much of `messages` (docs/chat.md, "Message search").
      search: new TokenBucketRateLimiter(
        config.extra.SEARCH_RATE_BURST,
        config.extra.SEARCH_RATE_PER_SECOND,
      ),
      // A handshake costs a dozen statements and announces presence to the user's rooms.
      handshake: perMinute(
        config.extra.HANDSHAKE_RATE_BURST,
        config.extra.HANDSHAKE_RATE_PER_MINUTE,
      ),
    };
  }

  take(action: LimitedAction, userId: string): RateDecision {
    return this.limiters[action].take(userId);
  }

  /** For REST: takes a token, or answers 429 with `Retry-After`. */
  enforce(action: LimitedAction, userId: string): void {
    const decision = this.take(action, userId);
    if (!decision.allowed) throw new TooManyRequestsException(decision.retryAfterSeconds);
  }
}
