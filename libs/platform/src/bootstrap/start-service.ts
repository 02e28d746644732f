import type { ServiceConfig } from '../config';
import type { ServiceDefinition } from './service-definition';
import { readConfigOrExit, runService } from './service-app';

/**
 * The whole of a service's `main.ts`: read and check the configuration, build the root
 * module from it, listen. A failure to start is logged on one line and exits with 1.
 */
export function startService<C extends ServiceConfig>(definition: ServiceDefinition<C>): void {
  const config = readConfigOrExit(() => definition.readConfig(process.env));
  runService(definition, config).catch((error: unknown) => {
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${definition.service} failed to start: ${reason}\n`);
    process.exit(1);
  });
}
