import {
  HttpException,
  Inject,
  HttpStatus,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVICE_CONFIG, type ServiceConfig } from '../config';
import { FixedWindowRateLimiter } from './rate-limiter';

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

export const byClientAddress = (request: RateLimitedRequest): string | undefined =>
  request.ip ?? request.socket.remoteAddress;

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
 * Answers 429 with `Retry-After` once a rule's limit is used up. Counters live in this
 * process: with several instances behind the edge each counts its own share.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiters = new Map<string, FixedWindowRateLimiter>();

  constructor(
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const rules =
      this.reflector.get<RateLimitRule[] | undefined>(RATE_LIMITS, context.getHandler()) ?? [];
    const request = context.switchToHttp().getRequest<RateLimitedRequest>();
    for (const rule of rules) {
      const key = rule.key(request);
      if (key === undefined) continue;
      const decision = this.limiterOf(rule).take(key);
      if (!decision.allowed) {
        context
          .switchToHttp()
          .getResponse<ServerResponse>()
          .setHeader('Retry-After', String(decision.retryAfterSeconds));
        throw new HttpException('Too many requests; try again later', HttpStatus.TOO_MANY_REQUESTS);
      }
    }
    return true;
  }

  private limiterOf(rule: RateLimitRule): FixedWindowRateLimiter {
    let limiter = this.limiters.get(rule.name);
    if (limiter === undefined) {
      const configured = rule.limitFrom === undefined ? undefined : this.configured(rule.limitFrom);
      limiter = new FixedWindowRateLimiter(configured ?? rule.limit, rule.windowMs);
      this.limiters.set(rule.name, limiter);
    }
    return limiter;
  }

  private configured(variable: string): number | undefined {
    const value = (this.config as { extra?: Record<string, unknown> }).extra?.[variable];
    return typeof value === 'number' ? value : undefined;
  }
}
