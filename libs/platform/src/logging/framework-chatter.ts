import type { LoggerService } from '@nestjs/common';

/**
 * Where Nest says, at every start, what it wired: a line per module, controller and route
 * (180 of the 250 lines `npm start` printed before `ready`). Worth reading when routing
 * goes wrong, not at every start: they go at debug.
 */
const FRAMEWORK_CHATTER: ReadonlySet<unknown> = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
]);

/** The service's logger for Nest, with Nest's wiring lines at debug instead of info. */
export class WithoutFrameworkChatter implements LoggerService {
  constructor(private readonly logger: LoggerService) {}

  log(message: unknown, ...rest: unknown[]): void {
    // Nest names the context last: `log(message, context?)`.
    if (FRAMEWORK_CHATTER.has(rest.at(-1))) this.logger.debug?.(message, ...rest);
    else this.logger.log(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    (this.logger.fatal ?? this.logger.error).call(this.logger, message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.logger.error(message, ...rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(message, ...rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.logger.debug?.(message, ...rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.logger.verbose?.(message, ...rest);
  }
}
