import {
  ACCESS_TOKEN_VERIFIER_ENV,
  ADMIN_ENV,
  readServiceConfig,
  type Environment,
} from '@scale-chat/platform';

const LOG_ENV = { ...ACCESS_TOKEN_VERIFIER_ENV, ...ADMIN_ENV };

export type LogConfig = ReturnType<typeof readLogConfig>;

export function readLogConfig(env: Environment) {
  return readServiceConfig('log-consumer', env, LOG_ENV);
}
