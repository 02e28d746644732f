import type { DynamicModule } from '@nestjs/common';
import type { ServiceName } from '@scale-chat/contracts';
import { readServiceConfig, type ServiceConfig } from '../config';
import { readConfigOrExit, runService } from './service-app';

/**
 * The whole of a service's `main.ts`: read and check the configuration, build the root
 * module from it, listen. A failure to start is logged on one line and exits with 1.
 */
export function startService(
  service: ServiceName,
  rootModule: (config: ServiceConfig) => DynamicModule,
): void {
  const config = readConfigOrExit(() => readServiceConfig(service));
  runService(rootModule(config), config).catch((error: unknown) => {
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${service} failed to start: ${reason}\n`);
    process.exit(1);
  });
}
