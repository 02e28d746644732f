import {
  Injectable,
  mixin,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import { UserRateLimits, type LimitedAction } from './user-rate-limits';

/** What a budget guard reads of a request. */
export interface BudgetedRequest {
  readonly accessToken?: VerifiedAccessToken;
  /** The route's parameters as sent (guards run before pipes). */
  readonly params?: Readonly<Record<string, string | undefined>>;
}

/**
 * A guard that takes a token of the caller's `action` budget (shared with Socket.IO),
 * after the access token guard and before the body is validated: 429 with `Retry-After`
 * in the one error shape once it is spent (docs/chat.md). A request `exempt` says is
 * free takes none.
 */
export function budgetGuard(
  action: LimitedAction,
  exempt: (request: BudgetedRequest) => boolean = () => false,
): Type<CanActivate> {
  @Injectable()
  class BudgetGuard implements CanActivate {
    constructor(private readonly limits: UserRateLimits) {}

    canActivate(context: ExecutionContext): boolean {
      const request = context.switchToHttp().getRequest<BudgetedRequest>();
      const { accessToken } = request;
      if (accessToken !== undefined && !exempt(request))
        this.limits.enforce(action, accessToken.userId);
      return true;
    }
  }
  return mixin(BudgetGuard);
}

/** A send, or a change to a message, costs what a send over the socket costs. */
export const SendBudgetGuard = budgetGuard('send');
/** A read receipt over REST costs what one over the socket costs. */
export const ReadBudgetGuard = budgetGuard('read');
/**
 * A page of a room's history or changes costs what a `sync` costs; so do reads of rooms:
 * the list counts each room's unread messages and mentions, a room holds up to 1,000
 * members, and neither is worth a loop.
 */
export const HistoryBudgetGuard = budgetGuard('history');
/**
 * Room and membership writes share one budget per user: each is a room saga or a write
 * under the room's lock whose event goes to every member, and none is worth a loop.
 */
export const RoomWriteBudgetGuard = budgetGuard('rooms');
/**
 * Leaving is free: a member leaves a room once per time it was added, and the add took a
 * token of whoever added it; nobody is kept in rooms by a spent budget.
 */
export const RoomRemovalBudgetGuard = budgetGuard(
  'rooms',
  ({ accessToken, params }) => params?.['userId']?.toLowerCase() === accessToken?.userId,
);
/**
 * A search costs a query however small the request (a two-character one may walk much
 * of `messages`), so each user has a budget of them, as auth has for user searches.
 */
export const SearchBudgetGuard = budgetGuard('search');
