import {
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { clientNetwork } from './client-network';
import { SharedRateLimits } from './shared-rate-limits';
import { TooManyRequestsException } from './too-many-requests';

/** The request as the guard reads it: Express sets `ip` (behind a trusted proxy, the client's). */
export interface RateLimitedRequest extends IncomingMessage {
  ip?: string;
  body?: unknown;
}

export interface RateLimitRule {
  /** Names the counter: routes that share a name share their limits. */
  readonly name: string;
  readonly limit: number;
  /** A service variable (its config's `extra`) that, when set, replaces `limit`. */
  readonly limitFrom?: string;
  readonly windowMs: number;
  /** What is counted (client address, username); undefined skips the rule. */
  readonly key: (request: RateLimitedRequest) => string | undefined;
}

const RATE_LIMITS = Symbol('RATE_LIMITS');

/** Limits a route with `RateLimitGuard`: every rule must allow the request. */
export const RateLimited = (...rules: RateLimitRule[]) => SetMetadata(RATE_LIMITS, rules);

/** The client's address, an IPv6 one by its /64 (`clientNetwork`). */
export const byClientAddress = (request: RateLimitedRequest): string | undefined => {
  const address = request.ip ?? request.socket.remoteAddress;
  return address === undefined ? undefined : clientNetwork(address);
};

/** The `username` of a JSON body, lower-cased, when it is a string. */
export const byUsername = (request: RateLimitedRequest): string | undefined => {
  const username = (request.body as { username?: unknown } | undefined)?.username;
  return typeof username === 'string' ? username.toLowerCase() : undefined;
};

/**
 * One account as tried from one client: a guesser elsewhere cannot use up the owner's
 * attempts (a stranger could lock the owner out of a per-username limit).
 */
export const byUsernameAndClientAddress = (request: RateLimitedRequest): string | undefined => {
  const username = byUsername(request);
  return username === undefined ? undefined : `${username} ${byClientAddress(request) ?? ''}`;
};

/**
 * Answers 429 with `Retry-After` once a rule's limit is used up. The counters are shared
 * by every instance of the service (`SharedRateLimits`, in its database), so N instances
 * behind the edge still give one budget, not N.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly counters: SharedRateLimits,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rules =
      this.reflector.get<RateLimitRule[] | undefined>(RATE_LIMITS, context.getHandler()) ?? [];
    const request = context.switchToHttp().getRequest<RateLimitedRequest>();
    for (const rule of rules) {
      const key = rule.key(request);
      if (key === undefined) continue;
      const limit = this.configured(rule.limitFrom) ?? rule.limit;
      const decision = await this.counters.take(rule.name, key, limit, rule.windowMs);
      if (!decision.allowed) {
        throw new TooManyRequestsException(decision.retryAfterSeconds);
      }
    }
    return true;
  }

  private configured(variable: string | undefined): number | undefined {
    if (variable === undefined) return undefined;
    const value = (this.config as { extra?: Record<string, unknown> }).extra?.[variable];
    return typeof value === 'number' ? value : undefined;
  }
}
