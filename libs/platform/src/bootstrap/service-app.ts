import { ValidationPipe, type INestApplication, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, type ServiceConfig } from '../config';

/** Exit status for a bad configuration (EX_CONFIG of sysexits.h). */
export const EXIT_BAD_CONFIG = 78;

/**
 * Builds the Nest application the same way for production and for tests: the service's
 * logger, strict validation of every request (unknown fields are a 400), and shutdown
 * hooks so SIGTERM closes consumers and connections before the process exits.
 */
export async function createServiceApp(module: DynamicModule): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
  );
  app.enableShutdownHooks();
  return app;
}

/** Starts the service and listens; the process exits on its own after SIGTERM or SIGINT. */
export async function runService(module: DynamicModule, config: ServiceConfig): Promise<void> {
  const app = await createServiceApp(module);
  exitIfShutdownHangs(config.shutdownTimeoutMs, app.get(Logger));
  await app.listen(config.port, config.host);
  app.get(Logger).log(`${config.service} listening on http://${config.host}:${config.port}`);
}

/**
 * Reads the configuration; a bad one stops the process with one line naming the
 * variables and status 78, before anything else starts.
 */
export function readConfigOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_BAD_CONFIG);
    }
    throw error;
  }
}

function exitIfShutdownHangs(timeoutMs: number, logger: Logger): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal}: shutting down`);
      setTimeout(() => {
        logger.error(`shutdown took longer than ${timeoutMs} ms; exiting anyway`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
}
