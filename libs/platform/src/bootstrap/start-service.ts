import { ConfigError, type ServiceConfig } from '../config';
import type { ServiceDefinition } from './service-definition';
import { deadLettersCommand } from './dead-letters-cli';
import { EXIT_BAD_CONFIG, readConfigOrExit, runService } from './service-app';

/**
 * The whole of a service's `main.ts`: read and check the configuration, build the root
 * module from it, listen. A configuration found wrong only while starting (a key file
 * that cannot be read) exits as a bad variable does: 78, and one line naming it; any other
 * failure to start exits with 1, with its stack.
 */
export function startService<C extends ServiceConfig>(definition: ServiceDefinition<C>): void {
  // `main dead-letters …`: the operator's tool ships in every service's image.
  if (process.argv[2] === 'dead-letters') {
    deadLettersCommand(definition, process.argv.slice(3)).then(
      (code) => process.exit(code),
      (error: unknown) => {
        process.stderr.write(
          `dead-letters: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
    return;
  }
  const config = readConfigOrExit(() => definition.readConfig(process.env));
  runService(definition, config).catch((error: unknown) => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_BAD_CONFIG);
    }
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${definition.service} failed to start: ${reason}\n`);
    process.exit(1);
  });
}
