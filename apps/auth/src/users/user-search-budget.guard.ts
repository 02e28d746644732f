import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { VerifiedAccessToken } from '@scale-chat/access-tokens';
import {
  SERVICE_CONFIG,
  TokenBucketRateLimiter,
  TooManyRequestsException,
} from '@scale-chat/platform';
import type { AuthConfig } from '../auth-config';

/**
 * Each caller's budget of user searches, a token bucket per user id in this instance (as
 * the gateway's send and history budgets): a search costs a query however small the
 * request, and one account must not run them as fast as it can. Runs after
 * `AccessTokenGuard`; 429 with `Retry-After` in the one error shape once it is spent.
 */
@Injectable()
export class UserSearchBudgetGuard implements CanActivate {
  private readonly searches: TokenBucketRateLimiter;

  constructor(@Inject(SERVICE_CONFIG) config: AuthConfig) {
    this.searches = new TokenBucketRateLimiter(
      config.extra.USER_SEARCH_RATE_BURST,
      config.extra.USER_SEARCH_RATE_PER_SECOND,
    );
  }

  canActivate(context: ExecutionContext): boolean {
    const { accessToken } = context
      .switchToHttp()
      .getRequest<{ accessToken?: VerifiedAccessToken }>();
    if (accessToken === undefined) return true; // not reached: AccessTokenGuard answered 401
    const decision = this.searches.take(accessToken.userId);
    if (decision.allowed) return true;
    throw new TooManyRequestsException(decision.retryAfterSeconds);
  }
}
