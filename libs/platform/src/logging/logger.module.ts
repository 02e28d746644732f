import type { DynamicModule } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { stdTimeFunctions } from 'pino';
import type { ServiceConfig } from '../config';
import { CORRELATION_HEADER, correlationIdFrom } from './correlation-id';

const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * One logger for the whole service: pino, JSON lines in production and one readable line
 * per record in development. Every HTTP request gets a correlation id (the caller's, or
 * a new one) that is logged with each line and echoed in the response header.
 */
export function loggerModule(config: ServiceConfig): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level: config.logLevel,
      base: { service: config.service, instance: config.instanceId },
      timestamp: stdTimeFunctions.isoTime,
      transport:
        config.logFormat === 'pretty'
          ? {
              target: 'pino-pretty',
              options: {
                singleLine: true,
                translateTime: 'SYS:HH:MM:ss.l',
                ignore: 'pid,hostname',
              },
            }
          : undefined,
      genReqId: (req: IncomingMessage, res: ServerResponse) => {
        const id = correlationIdFrom(req.headers[CORRELATION_HEADER]);
        res.setHeader(CORRELATION_HEADER, id);
        return id;
      },
      customAttributeKeys: { reqId: 'correlationId' },
      autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  });
}
