import type { Logger as PinoLogger } from 'pino';
import type { Logger } from 'typeorm';
import { isUniqueViolation } from './unique-violation';

/** TypeORM writes through the service's pino logger: failed queries and migrations only. */
export class TypeOrmPinoLogger implements Logger {
  constructor(private readonly logger: PinoLogger) {}

  logQuery(): void {
    // Every query would drown the log; failures are logged by logQueryError.
  }

  /**
   * A duplicate refused by a unique constraint is an answer the caller acts on (409, an
   * insert that was already done), not a fault: it is logged at debug, without a stack.
   * Anything else is a warning; the caller decides whether it was an error.
   */
  logQueryError(error: string | Error, query: string): void {
    if (isUniqueViolation(error)) {
      const { constraint } = error as { constraint?: unknown };
      this.logger.debug({ constraint, query: query.slice(0, 500) }, 'a duplicate was refused');
      return;
    }
    this.logger.warn({ err: error, query: query.slice(0, 500) }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ time, query: query.slice(0, 500) }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    this.logger[level === 'warn' ? 'warn' : 'info'](String(message));
  }
}
