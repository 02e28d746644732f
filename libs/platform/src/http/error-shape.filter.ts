import { STATUS_CODES } from 'node:http';
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';

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

/**
 * Turns any error into `{statusCode, error, message}`: Nest's HTTP exceptions keep their
 * status and message; errors of the body parser (413, 400 for broken JSON) keep theirs;
 * anything else is a 500 whose details stay in the log, not in the response.
 */
export function errorBody(exception: unknown): ErrorBody {
  if (exception instanceof HttpException) {
    const statusCode = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: string | string[] }).message
        : exception.message;
    return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  }
  const stackError = (exception ?? {}) as HttpStackError;
  const status = Number(stackError.status ?? stackError.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500 && stackError.expose !== false) {
    return {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message: String(stackError.message ?? ''),
    };
  }
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

@Catch()
export class ErrorShapeFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorShapeFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const body = errorBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception);
    const response = host.switchToHttp().getResponse<ServerResponse>();
    if (response.headersSent) return;
    response.statusCode = body.statusCode;
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.end(JSON.stringify(body));
  }
}
