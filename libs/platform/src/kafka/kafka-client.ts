import { Kafka, logLevel, type LogEntry, type logCreator, type RetryOptions } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
  /** How often a failed connection or request is retried (kafkajs' default: 5 times). */
  readonly retry?: RetryOptions;
}

const LEVELS: Record<logLevel, 'error' | 'warn' | 'info' | 'debug' | undefined> = {
  [logLevel.NOTHING]: undefined,
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs writes through the service's own pino logger, so its lines are structured too. */
function pinoLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const method = LEVELS[level];
      if (method === undefined) return;
      const { message, ...fields } = log;
      kafkaLogger[method](fields, message);
    };
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
  });
}
