import { SAGA_WAIT_MAX_MS } from '@scale-chat/contracts';
import {
  ADMIN_ENV,
  ConfigError,
  integer,
  optional,
  readServiceConfig,
  text,
  TOKEN_CLAIMS_ENV,
  type Environment,
} from '@scale-chat/platform';

const PATH = /^[^\0]{1,4096}$/;

const AUTH_ENV = {
  AUTH_SIGNING_KEY_FILE: optional(text(PATH, 'a file path')),
  AUTH_PREVIOUS_SIGNING_KEY_FILES: optional(text(PATH, 'comma-separated file paths')),
  ACCESS_TOKEN_TTL_SECONDS: integer({ min: 60, max: 86_400 }, { default: 900 }),
  /** How long POST /api/auth/signup waits for the saga before answering 202. */
  SIGNUP_WAIT_MS: integer({ min: 0, max: SAGA_WAIT_MAX_MS }, { default: 10_000 }),
  /** Signups per client address per minute. */
  SIGNUP_RATE_LIMIT_PER_MINUTE: integer({ min: 1, max: 1_000_000 }, { default: 20 }),
  /** `GET /api/users` per user and instance: a burst, then a rate (a token bucket). */
  USER_SEARCH_RATE_BURST: integer({ min: 1, max: 10_000 }, { default: 30 }),
  USER_SEARCH_RATE_PER_SECOND: integer({ min: 1, max: 10_000 }, { default: 5 }),
  /**
   * Logins (refresh-token families) one user keeps at once; a login past it ends the one
   * used longest ago (by its last refresh), as a logout. Each login is a row, a revocation event when it ends, and a
   * socket close broadcast on every gateway: without a cap, a user logging in a minute at
   * a time for days would make an account deletion announce tens of thousands.
   */
  LOGINS_PER_USER_MAX: integer({ min: 1, max: 10_000 }, { default: 50 }),
  /**
   * Wrong passwords for one account, from every address, in 15 minutes; past them the
   * account is tried only from networks it logged in from (`PasswordGuessing`).
   */
  LOGIN_FAILURES_PER_ACCOUNT_MAX: integer({ min: 1, max: 1_000_000 }, { default: 20 }),
  ...TOKEN_CLAIMS_ENV,
  /** Outside production only: these names get the `admin` role at signup (the bootstrap). */
  ...ADMIN_ENV,
};

export type AuthConfig = ReturnType<typeof readAuthConfig>;

export function readAuthConfig(env: Environment) {
  const config = readServiceConfig('auth', env, AUTH_ENV);
  if (config.nodeEnv === 'production' && config.extra.AUTH_SIGNING_KEY_FILE === undefined) {
    // A generated key in production would change on every start and log everyone out.
    throw new ConfigError(['AUTH_SIGNING_KEY_FILE is required in production']);
  }
  return config;
}
