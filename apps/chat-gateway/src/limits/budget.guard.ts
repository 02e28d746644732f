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

/**
 * A guard that takes a token of the caller's `action` budget (shared with Socket.IO),
 * after the access token guard and before the body is validated: 429 with `Retry-After`
 * in the one error shape once it is spent (docs/chat.md).
 */
export function budgetGuard(action: LimitedAction): Type<CanActivate> {
  @Injectable()
  class BudgetGuard implements CanActivate {
    constructor(private readonly limits: UserRateLimits) {}

    canActivate(context: ExecutionContext): boolean {
      const http = context.switchToHttp();
      const { accessToken } = http.getRequest<{ accessToken?: VerifiedAccessToken }>();
      if (accessToken !== undefined)
        this.limits.enforce(action, accessToken.userId, http.getResponse<ServerResponse>());
      return true;
    }
  }
  return mixin(BudgetGuard);
}
