import type { LoggerService } from '@nestjs/common';
import { levels } from 'pino';
import type { LogLevel, ServiceConfig } from '../config';

/** Nest's levels as pino names them. */
const PINO_LEVEL = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
} as const satisfies Record<string, LogLevel>;

/**
 * Nest's log lines from before the service's pino logger is in place, in its shape: one
 * JSON line each (`LOG_FORMAT=pretty`: one readable line), with the service and instance.
 * The app buffers them and hands them to pino once it is built (`useLogger`); only a
 * start that fails before then writes them here, where Nest's own logger would write
 * coloured text with stacks across many lines that a log pipeline cannot read.
 */
export class BootstrapLogger implements LoggerService {
  constructor(private readonly config: ServiceConfig) {}

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }

  /**
   * Nest calls `error(message, stack?, context?)` and the others `(message, context?)`;
   * the message may be an Error.
   */
  private write(nestLevel: keyof typeof PINO_LEVEL, message: unknown, rest: unknown[]): void {
    const level = PINO_LEVEL[nestLevel];
    // `silent` is no level of pino's values: nothing is at or above it.
    const value = levels.values[level] ?? 0;
    if (value < (levels.values[this.config.logLevel] ?? Infinity)) return;
    const strings = rest.filter((value): value is string => typeof value === 'string');
    const context = strings.length > 0 ? strings.at(-1) : undefined;
    const stack =
      message instanceof Error
        ? message.stack
        : nestLevel === 'error' && strings.length > 1
          ? strings[0]
          : undefined;
    const msg = message instanceof Error ? message.message : String(message);
    const { service, instanceId: instance } = this.config;
    if (this.config.logFormat === 'pretty') {
      process.stdout.write(
        `${level.toUpperCase()} (${service}${context ? `/${context}` : ''}): ${msg}\n`,
      );
      return;
    }
    const line = {
      level: value,
      time: new Date().toISOString(),
      service,
      instance,
      ...(context === undefined ? {} : { context }),
      ...(stack === undefined ? {} : { err: { stack } }),
      msg,
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
