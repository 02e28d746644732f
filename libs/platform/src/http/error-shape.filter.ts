import { STATUS_CODES } from 'node:http';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { isTransientDatabaseError } from '../database/transient-error';
import { allowedMethods } from './allowed-methods';
import { TooManyRequestsException } from './too-many-requests';

/** API.md's one error shape. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/** An error of the HTTP stack that carries its own status (body too large, bad JSON). */
interface HttpStackError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
}

export interface ErrorResponse {
  readonly statusCode: number;
  /** API.md's error shape, or a body its thrower chose on purpose (a health report). */
  readonly body: ErrorBody | object;
}

/**
 * Turns any error into `{statusCode, error, message}`: Nest's HTTP exceptions keep their
 * status and message (a failed health check's report of a 503 alone stays as it is; any
 * other body of an exception's own is put in the shape); errors of the body parser (413, 400 for broken JSON)
 * keep their status; a database that cannot do the work now (a lost connection, none free
 * in time, a conflict) is a 503 worth another try; anything else is a 500 whose details
 * stay in the log.
 */
export function errorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    if (isHealthReport(response)) return { statusCode, body: response };
    const given = (response as { message?: unknown } | null)?.message;
    const message =
      typeof given === 'string' ||
      (Array.isArray(given) && given.every((m) => typeof m === 'string'))
        ? (given as string | string[])
        : exception.message;
    return {
      statusCode,
      body: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message },
    };
  }
  const body = errorBody(exception);
  return { statusCode: body.statusCode, body };
}

/**
 * A failed readiness check's report (Terminus: `status`, `info`, `error`, `details`), the
 * one body that is not the error shape: its 503 names each dependency that is down, or
 * says the instance is shutting down (Terminus answers so once shutdown has begun).
 */
function isHealthReport(response: unknown): response is object {
  const status = (response as { status?: unknown } | null)?.status;
  return (
    typeof response === 'object' &&
    response !== null &&
    (status === 'error' || status === 'shutting_down') &&
    'details' in response &&
    !('message' in response)
  );
}

/** The error shape of an error that is not one of Nest's HTTP exceptions. */
function errorBody(exception: unknown): ErrorBody {
  const stackError = (exception ?? {}) as HttpStackError;
  const status = Number(stackError.status ?? stackError.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500 && stackError.expose !== false) {
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: String(stackError.message ?? ''),
    };
  }
  if (isTransientDatabaseError(exception)) {
    return {
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The service cannot answer now; please try again',
    };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

@Catch()
export class ErrorShapeFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorShapeFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const methodNotAllowed = notAllowed(exception, host);
    if (methodNotAllowed !== undefined) exception = methodNotAllowed;
    const { statusCode, body } = errorResponse(exception);
    if (statusCode >= 500 && !(exception instanceof HttpException)) this.logger.error(exception);
    const response = host.switchToHttp().getResponse<ServerResponse>();
    if (response.headersSent) return;
    response.statusCode = statusCode;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    if (statusCode === 503 && !(exception instanceof HttpException))
      response.setHeader('Retry-After', '1');
    if (exception instanceof TooManyRequestsException)
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (exception instanceof MethodNotAllowedException)
      response.setHeader('Allow', exception.allowed.join(', '));
    response.end(JSON.stringify(body));
  }
}

/** A 405, with the methods the path takes (its `Allow` header). */
class MethodNotAllowedException extends HttpException {
  constructor(
    method: string,
    readonly allowed: readonly string[],
  ) {
    super(`This path takes ${allowed.join(', ')}, not ${method}`, HttpStatus.METHOD_NOT_ALLOWED);
  }
}

/**
 * The 405 for Nest's "no route" 404 (`Cannot PUT /api/users/me`) when a route of another
 * method has the path: a caller told 404 would look for a typo in the path.
 */
function notAllowed(
  exception: unknown,
  host: ArgumentsHost,
): MethodNotAllowedException | undefined {
  if (host.getType() !== 'http' || !(exception instanceof NotFoundException)) return undefined;
  const request = host
    .switchToHttp()
    .getRequest<{ method: string; path?: string; app?: unknown }>();
  if (request.path === undefined || !exception.message.startsWith(`Cannot ${request.method} `))
    return undefined;
  const allowed = allowedMethods(request.app, request.path);
  return allowed.length === 0 || allowed.includes(request.method)
    ? undefined
    : new MethodNotAllowedException(request.method, allowed);
}
