import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
/**
 * A small, typed reader for environment variables. Each variable has a parser that
 * either returns a value or says, in words, what it expected; every problem is collected
 * and reported on one line that names the variables, so a misconfigured process stops
 * at once and says why.
 */
export interface VariableSpec<T> {
  /** Returns the parsed value, or a `VariableProblem` describing what was expected. */
  readonly parse: (raw: string) => T | VariableProblem;
  /** Used when the variable is unset or empty; without one the variable is required. */
  readonly default?: T;
  /** The value is never echoed in an error (it may hold a password). */
  readonly secret?: boolean;
  /** Unset is fine and reads as `undefined`. */
  readonly optional?: boolean;
}

export class VariableProblem {
  constructor(readonly expected: string) {}
}

export type EnvSpec = Readonly<Record<string, VariableSpec<unknown>>>;

export type ParsedEnv<S extends EnvSpec> = {
  readonly [K in keyof S]: S[K] extends VariableSpec<infer T> ? T : never;
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function parseEnv<S extends EnvSpec>(
  env: Readonly<Record<string, string | undefined>>,
  spec: S,
): ParsedEnv<S> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') {
      if (variable.default !== undefined || variable.optional === true) {
        values[name] = variable.default;
      } else {
        problems.push(`${name} is required`);
      }
      continue;
    }
    const parsed = variable.parse(raw);
    if (parsed instanceof VariableProblem) {
      const shown = variable.secret ? '' : ` (got ${JSON.stringify(raw)})`;
      problems.push(`${name} must be ${parsed.expected}${shown}`);
    } else {
      values[name] = parsed;
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(problems);
  }
  return values as ParsedEnv<S>;
}

/** The variable may be left unset. */
export function optional<T>(spec: VariableSpec<T>): VariableSpec<T | undefined> {
  return { ...spec, optional: true };
}

// ---- parsers --------------------------------------------------------------------------

type Options<T> = Pick<VariableSpec<T>, 'default' | 'secret'>;

export function integer(range: { min: number; max: number }, options: Options<number> = {}) {
  return {
    ...options,
    parse: (raw: string): number | VariableProblem => {
      const value = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
      return Number.isSafeInteger(value) && value >= range.min && value <= range.max
        ? value
        : new VariableProblem(`a whole number from ${range.min} to ${range.max}`);
    },
  } satisfies VariableSpec<number>;
}

/** A DNS name: labels of letters, digits and inner hyphens, not all of them numbers. */
const DNS_NAME =
  /^(?=.{1,253}$)(?!(?:\d+\.)*\d+$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An address to listen on: an IPv4 or IPv6 address, or a host name. */
export function hostAddress(options: Options<string> = {}) {
  return {
    ...options,
    parse: (raw: string): string | VariableProblem =>
      isIP(raw) !== 0 || DNS_NAME.test(raw)
        ? raw
        : new VariableProblem('an IPv4 or IPv6 address (no brackets) or a host name'),
  } satisfies VariableSpec<string>;
}

export function port(options: Options<number> = {}) {
  return integer({ min: 1, max: 65535 }, options);
}

export function oneOf<const T extends string>(choices: readonly T[], options: Options<T> = {}) {
  return {
    ...options,
    parse: (raw: string): T | VariableProblem =>
      (choices as readonly string[]).includes(raw)
        ? (raw as T)
        : new VariableProblem(`one of ${choices.join(', ')}`),
  } satisfies VariableSpec<T>;
}

export function text(pattern: RegExp, expected: string, options: Options<string> = {}) {
  return {
    ...options,
    parse: (raw: string): string | VariableProblem =>
      pattern.test(raw) ? raw : new VariableProblem(expected),
  } satisfies VariableSpec<string>;
}

const HOST_PORT =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** `host:port[,host:port...]`, as kafkajs takes them. */
export function brokerList(options: Options<string[]> = {}) {
  return {
    ...options,
    parse: (raw: string): string[] | VariableProblem => {
      const brokers = raw.split(',').map((entry) => entry.trim());
      const valid = brokers.every((broker) => {
        const match = HOST_PORT.exec(broker);
        const portNumber = Number(match?.[1]);
        return match !== null && portNumber >= 1 && portNumber <= 65535;
      });
      return valid ? brokers : new VariableProblem('a comma-separated list of host:port');
    },
  } satisfies VariableSpec<string[]>;
}

/** The names Express's `trust proxy` takes for address ranges (proxy-addr's). */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Express's `trust proxy` as a list: addresses, ranges (`10.0.0.0/8`, or with a netmask)
 * and the names of proxy-addr's ranges, comma-separated. Checked here because Express
 * checks it only when the app is built, and throws there.
 */
export function trustedProxies(options: Options<string> = {}) {
  const expected =
    'a comma-separated list of IP addresses, ranges (10.0.0.0/30) or loopback, linklocal, uniquelocal';
  return {
    ...options,
    parse: (raw: string): string | VariableProblem => {
      const entries = raw.split(',').map((entry) => entry.trim());
      const valid = entries.every((entry) => {
        if (PROXY_RANGE_NAMES.includes(entry)) return true;
        const [address = '', mask, ...rest] = entry.split('/');
        const family = isIP(address);
        if (family === 0 || rest.length > 0) return false;
        if (mask === undefined) return true;
        // proxy-addr refuses a range of everything (/0) and a netmask with holes.
        if (/^\d{1,3}$/.test(mask))
          return Number(mask) >= 1 && Number(mask) <= (family === 4 ? 32 : 128);
        return family === 4 && isIP(mask) === 4 && contiguousNetmask(mask);
      });
      return valid ? entries.join(',') : new VariableProblem(expected);
    },
  } satisfies VariableSpec<string>;
}

/** Whether an IPv4 netmask is ones then zeros, and not all zeros (255.255.0.0, not 255.0.255.0). */
function contiguousNetmask(mask: string): boolean {
  const bits = mask
    .split('.')
    .map((octet) => Number(octet).toString(2).padStart(8, '0'))
    .join('');
  return /^1+0*$/.test(bits);
}

/** What a `DATABASE_URL` parameter's value must be: said, and checked. */
interface ParameterRule {
  readonly expected: string;
  readonly valid: (value: string) => boolean;
}

const oneOfValues = (...values: string[]): ParameterRule => ({
  expected: values.join(', '),
  valid: (value) => values.includes(value),
});
const wholeNumber = (min: number, max: number, unit: string): ParameterRule => ({
  expected: `a whole number of ${unit} from ${min} to ${max}`,
  valid: (value) => /^\d{1,10}$/.test(value) && Number(value) >= min && Number(value) <= max,
});
/** Off (0), or long enough for the services' own statements (a batch, a migration). */
const timeoutMs: ParameterRule = {
  expected: '0 (none) or a whole number of milliseconds from 1000 to 86400000',
  valid: (value) =>
    /^\d{1,10}$/.test(value) &&
    (value === '0' || (Number(value) >= 1_000 && Number(value) <= 86_400_000)),
};
/** node-postgres reads the file as it connects: one missing fails every connection. */
const readableFile: ParameterRule = {
  expected: 'a file this process can read',
  valid: (value) => {
    try {
      accessSync(value, constants.R_OK);
      return true;
    } catch {
      return false;
    }
  },
};
const shownName: ParameterRule = {
  expected: '1-63 printable characters',
  valid: (value) => /^[\x20-\x7e]{1,63}$/.test(value),
};

/**
 * Parameters a `DATABASE_URL` may carry, and what each value must be: TLS (as
 * node-postgres reads them), a name in `pg_stat_activity`, timeouts and keepalives.
 * Others would win over what the service sets: `options=-c search_path=…` would send
 * every query to another schema. A value node-postgres or PostgreSQL cannot use would fail
 * every connection or query later, without naming the variable.
 */
const POSTGRES_URL_PARAMETERS: ReadonlyMap<string, ParameterRule> = new Map([
  // node-postgres turns 'true' and '1' on, '0' off; any other text (even 'false') on.
  ['ssl', oneOfValues('true', '1', '0')],
  ['sslmode', oneOfValues('disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify')],
  ['sslrootcert', readableFile],
  ['sslcert', readableFile],
  ['sslkey', readableFile],
  ['sslnegotiation', oneOfValues('postgres', 'direct')],
  ['uselibpqcompat', oneOfValues('true', 'false')],
  ['application_name', shownName],
  ['fallback_application_name', shownName],
  ['connect_timeout', wholeNumber(0, 3_600, 'seconds')],
  ['keepalives', oneOfValues('0', '1')],
  ['keepalives_idle', wholeNumber(0, 86_400, 'seconds')],
  ['statement_timeout', timeoutMs],
  ['lock_timeout', wholeNumber(0, 86_400_000, 'milliseconds')],
  ['idle_in_transaction_session_timeout', wholeNumber(0, 86_400_000, 'milliseconds')],
  ['query_timeout', timeoutMs],
]);

/** A `postgres://user:password@host:port/database` URL. */
export function postgresUrl(options: Options<string> = {}) {
  const expected = `a URL of the form postgres://user:password@host:port/database, with no parameters but TLS's, names, timeouts and keepalives (${[...POSTGRES_URL_PARAMETERS.keys()].join(', ')})`;
  return {
    secret: true,
    ...options,
    parse: (raw: string): string | VariableProblem => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return new VariableProblem(expected);
      }
      let database: string;
      try {
        database = decodeURIComponent(url.pathname.replace(/^\//, ''));
      } catch {
        return new VariableProblem(expected); // a malformed %-escape
      }
      const valid =
        (url.protocol === 'postgres:' || url.protocol === 'postgresql:') &&
        url.hostname !== '' &&
        database !== '' &&
        !database.includes('/') &&
        [...url.searchParams.keys()].every((name) => POSTGRES_URL_PARAMETERS.has(name));
      if (!valid) return new VariableProblem(expected);
      // The parameter and its own value are said; the URL (its password) is not.
      for (const [name, value] of url.searchParams) {
        const rule = POSTGRES_URL_PARAMETERS.get(name);
        if (rule !== undefined && !rule.valid(value))
          return new VariableProblem(
            `a URL whose ${name} is ${rule.expected} (got ${JSON.stringify(value.slice(0, 100))})`,
          );
      }
      return raw;
    },
  } satisfies VariableSpec<string>;
}

/** A comma-separated list of values each matching `pattern`; empty entries are dropped. */
export function list(pattern: RegExp, expected: string, options: Options<string[]> = {}) {
  return {
    ...options,
    parse: (raw: string): string[] | VariableProblem => {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      // Set to separators alone (" , "): an empty list, which was surely not meant.
      return items.length > 0 && items.every((item) => pattern.test(item))
        ? items
        : new VariableProblem(`a comma-separated list of ${expected}`);
    },
  } satisfies VariableSpec<string[]>;
}

/** An absolute http(s) URL. */
export function httpUrl(options: Options<string> = {}) {
  return {
    ...options,
    parse: (raw: string): string | VariableProblem => {
      try {
        const url = new URL(raw);
        if (url.protocol === 'http:' || url.protocol === 'https:') return raw;
      } catch {
        // not a URL at all: the same answer as a URL of another scheme
      }
      return new VariableProblem('an http:// or https:// URL');
    },
  } satisfies VariableSpec<string>;
}
