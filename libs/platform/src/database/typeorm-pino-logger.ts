import type { Logger as PinoLogger } from 'pino';
import type { Logger } from 'typeorm';

/** TypeORM writes through the service's pino logger: failed queries and migrations only. */
export class TypeOrmPinoLogger implements Logger {
  constructor(private readonly logger: PinoLogger) {}

  logQuery(): void {
    // Every query would drown the log; failures are logged by logQueryError.
  }

  logQueryError(error: string | Error, query: string): void {
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
