import type { ServerResponse } from 'node:http';
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
      const http = context.switchToHttp();
      const request = http.getRequest<BudgetedRequest>();
      const { accessToken } = request;
      if (accessToken !== undefined && !exempt(request))
        this.limits.enforce(action, accessToken.userId, http.getResponse<ServerResponse>());
      return true;
    }
  }
  return mixin(BudgetGuard);
}
