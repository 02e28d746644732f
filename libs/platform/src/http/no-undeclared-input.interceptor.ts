import {
  BadRequestException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { Observable } from 'rxjs';

/** Whether the handler reads that part of the request (`@Body()`, `@Query()`, whole or a field). */
function declares(context: ExecutionContext, part: RouteParamtypes): boolean {
  const args = (Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    context.getClass(),
    context.getHandler().name,
  ) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(part));
}

/**
 * API.md: unknown fields in a request are a 400. For an endpoint that takes no body
 * (`DELETE /api/users/me`, reactions, removing a member) every field of one is unknown,
 * and for one that takes no query (`GET /api/rooms`, `GET /api/users/me`) every query
 * parameter: such a request is refused as validation refuses an unknown field of a
 * declared body or query, before it does anything, so that `?_=1` is a 400 on every
 * route, not on those with a query alone. An empty object, or no body at all, is what
 * such an endpoint takes; a parameter with no value is absent, as everywhere
 * (`EmptyQueryValuesAbsentPipe`).
 */
@Injectable()
export class NoUndeclaredInputInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const { body, query } = context
        .switchToHttp()
        .getRequest<{ body?: unknown; query?: Record<string, unknown> }>();
      const problems = [
        ...(declares(context, RouteParamtypes.BODY) ? [] : bodyProblems(body)),
        ...(declares(context, RouteParamtypes.QUERY) ? [] : queryProblems(query)),
      ];
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return next.handle();
  }
}

/** What is wrong with a body sent to an endpoint that takes none. */
function bodyProblems(body: unknown): string[] {
  if (body === undefined || body === null) return [];
  if (typeof body !== 'object' || Array.isArray(body)) return ['This request takes no body'];
  return Object.keys(body).map((key) => `property ${key} should not exist`);
}

/** What is wrong with a query sent to an endpoint that takes none. */
function queryProblems(query: Readonly<Record<string, unknown>> | undefined): string[] {
  return Object.entries(query ?? {})
    .filter(([, value]) => value !== '')
    .map(([key]) => `property ${key} should not exist`);
}
