import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { Logger } from 'nestjs-pino';
import { SERVICE_KEEP_ALIVE_TIMEOUT_MS } from '@scale-chat/contracts';
import { ConfigError, type ServiceConfig } from '../config';
import {
  ErrorShapeFilter,
  NoUndeclaredInputInterceptor,
  requestPipes,
  useJsonBodies,
} from '../http';
import { BootstrapLogger, correlateRequest, WithoutFrameworkChatter } from '../logging';
import { KafkaEventsTransport } from '../messaging';
import { httpMetrics, ServiceMetrics } from '../metrics';
import type { ServiceDefinition } from './service-definition';

/** Exit status for a bad configuration (EX_CONFIG of sysexits.h). */
export const EXIT_BAD_CONFIG = 78;

/**
 * Builds the Nest application the same way for production and for tests: the service's
 * logger, JSON bodies only (useJsonBodies), strict validation of every request (unknown
 * fields are a 400, a body sent where none is taken too), and shutdown hooks so SIGTERM closes consumers and connections
 * before the process exits. It is a hybrid app: its Kafka handlers (`@OnEvent`) run on
 * `KafkaEventsTransport`, started once the app is initialised (resolving when every
 * consumer group has been joined), before the HTTP server listens.
 */
export async function createServiceApp<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(definition.rootModule(config), {
    // Held until pino is in place; written in the service's shape if the start fails first.
    bufferLogs: true,
    logger: new BootstrapLogger(config),
    abortOnError: false,
    bodyParser: false,
  });
  app.useLogger(new WithoutFrameworkChatter(app.get(Logger)));
  // Idle connections outlast the edge's (SERVICE_KEEP_ALIVE_TIMEOUT_MS). headersTimeout
  // (60 s) needs no change: it times a request from its first byte, not an idle connection.
  app.getHttpServer().keepAliveTimeout = SERVICE_KEEP_ALIVE_TIMEOUT_MS;
  app.use(correlateRequest);
  app.use(httpMetrics(app.get(ServiceMetrics)));
  // Behind the edge the client's address comes from X-Forwarded-For, which the edge
  // overwrites; the header is believed only from the edge's address (TRUST_PROXY).
  app.set('trust proxy', config.trustProxy);
  // Which framework answers is nobody's business (and not in API.md's headers).
  app.disable('x-powered-by');
  useJsonBodies(app);
  app.useGlobalFilters(new ErrorShapeFilter());
  app.useGlobalPipes(...requestPipes());
  app.useGlobalInterceptors(new NoUndeclaredInputInterceptor());
  app.enableShutdownHooks();
  // Not the app's pipes and filters: those answer HTTP requests in the error shape.
  app.connectMicroservice<MicroserviceOptions>(
    { strategy: app.get(KafkaEventsTransport) },
    { inheritAppConfig: false },
  );
  try {
    await definition.configure?.(app, config);
    await app.init();
    await app.startAllMicroservices();
  } catch (error) {
    await closeAfterFailedStart(app);
    throw error;
  }
  return app;
}

/**
 * A start that fails half-way releases what it opened (pools, Kafka clients), so nothing
 * keeps the process, or a test runner, alive behind it.
 */
async function closeAfterFailedStart(app: INestApplication): Promise<void> {
  await app.close().catch((closeError: unknown) => {
    app.get(Logger).warn(`closing after a failed start failed too: ${String(closeError)}`);
  });
}

/** Starts the service and listens; the process exits on its own after SIGTERM or SIGINT. */
export async function runService<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
): Promise<void> {
  const app = await createServiceApp(definition, config);
  exitIfShutdownHangs(config.shutdownTimeoutMs, app.get(Logger));
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    // Said with the variables that chose the address (in use, not this machine's, ...),
    // after closing what the start opened, as a start that fails earlier does.
    await closeAfterFailedStart(app);
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `cannot listen on HOST ${config.host}, PORT ${config.port}: ${typeof code === 'string' ? code : String(error)}`,
      { cause: error },
    );
  }
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
