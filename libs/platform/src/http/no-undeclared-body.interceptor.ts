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

/** Whether the handler reads a body (`@Body()`, whole or a field of it). */
function declaresBody(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    context.getClass(),
    context.getHandler().name,
  ) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

/**
 * API.md: unknown fields in a request body are a 400. For an endpoint that takes no body
 * (`DELETE /api/users/me`, reactions, removing a member) every field is unknown: such a
 * request is refused as validation refuses an unknown field of a declared body, before it
 * does anything. An empty object, or no body at all, is what the endpoint takes.
 */
@Injectable()
export class NoUndeclaredBodyInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http' && !declaresBody(context)) {
      const { body } = context.switchToHttp().getRequest<{ body?: unknown }>();
      const problems = bodyProblems(body);
      if (problems.length > 0) throw new BadRequestException(problems);
    }
    return next.handle();
  }
}

/** What is wrong with a body sent to an endpoint that takes none. */
export function bodyProblems(body: unknown): string[] {
  if (body === undefined || body === null) return [];
  if (typeof body !== 'object' || Array.isArray(body)) return ['This request takes no body'];
  return Object.keys(body).map((key) => `property ${key} should not exist`);
}
