import { createLogger, readConfigOrExit } from '@scale-chat/platform';
import { rebuildEventLog } from './events/rebuild';
import { readLogConfig } from './log-config';

/**
 * `npx nx run log-consumer:rebuild`: rebuilds the stats from the start of the topics
 * (docs/stats.md). Stop the log-consumer first; start it again afterwards.
 */
const config = readConfigOrExit(() => readLogConfig(process.env));
const logger = createLogger(config);
rebuildEventLog(config, logger).then(
  () => process.exit(0),
  (error: unknown) => {
    logger.error({ err: error }, 'rebuild failed');
    process.exit(1);
  },
);
