import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { pino, stdTimeFunctions, type Logger, type LoggerOptions } from 'pino';
import type { ServiceConfig } from '../config';
import { CORRELATION_HEADER, correlationIdFrom, currentCorrelationId } from './correlation-id';

const QUIET_PATHS = new Set(['/health', '/health/live', '/metrics']);

/**
 * The one shape of every service's log lines: pino, JSON lines in production and one
 * readable line per record in development, each with the service, the instance and the
 * correlation id of the work in progress.
 */
function loggerOptions(config: ServiceConfig): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: config.service, instance: config.instanceId },
    timestamp: stdTimeFunctions.isoTime,
    // A request's logger has the id bound already (pino-http); other work gets it here.
    mixin: (_fields, _level, logger) => {
      const id = currentCorrelationId();
      return id === undefined || 'correlationId' in logger.bindings() ? {} : { correlationId: id };
    },
    ...(config.logFormat === 'pretty'
      ? {
          transport: {
            target: 'pino-pretty',
            options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
          },
        }
      : {}),
  };
}

/** A logger for a command outside the Nest application (a rebuild, a migration). */
export function createLogger(config: ServiceConfig): Logger {
  return pino(loggerOptions(config));
}

/**
 * The service's logger module. Every HTTP request is logged with its correlation id
 * (settled by `correlateRequest`), which the response echoes in its header.
 */
export function loggerModule(config: ServiceConfig): DynamicModule {
  return LoggerModule.forRoot({
    // One key names where a line comes from: `setContext` and Nest's `Logger` contexts
    // write it as the platform's child loggers do (`child({ component })`).
    renameContext: 'component',
    pinoHttp: {
      ...loggerOptions(config),
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = correlationIdFrom(req.headers[CORRELATION_HEADER]);
        res.setHeader(CORRELATION_HEADER, id);
        return id;
      },
      // Every line of a request, its "request completed" included, carries the id.
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'correlationId' },
      autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  });
}
