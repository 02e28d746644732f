import { hostname } from 'node:os';
import {
  LOCAL_DATABASE_URL,
  LOCAL_EDGE_SOURCE_ADDRESS,
  LOCAL_KAFKA_BROKERS,
  SERVICES,
  type ServiceName,
} from '@scale-chat/contracts';
import {
  brokerList,
  ConfigError,
  hostAddress,
  integer,
  oneOf,
  optional,
  parseEnv,
  port,
  postgresUrl,
  text,
  trustedProxies,
  type EnvSpec,
  type ParsedEnv,
} from './env-parser';
import { KAFKA_SECURITY_ENV, kafkaSecurityOf, type KafkaSecurity } from '../kafka/kafka-security';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function commonSpec(service: ServiceName) {
  return {
    NODE_ENV: oneOf(['development', 'production', 'test'], { default: 'development' }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info' }),
    LOG_FORMAT: optional(oneOf(['json', 'pretty'])),
    HOST: hostAddress({ default: '127.0.0.1' }),
    PORT: port({ default: SERVICES[service].ports[0] }),
    INSTANCE_ID: optional(text(/^[A-Za-z0-9._-]{1,64}$/, '1-64 characters of A-Z a-z 0-9 . _ -')),
    DATABASE_URL: postgresUrl({ default: LOCAL_DATABASE_URL }),
    DATABASE_POOL_SIZE: integer({ min: 1, max: 100 }, { default: 10 }),
    KAFKA_BROKERS: brokerList({ default: [...LOCAL_KAFKA_BROKERS] }),
    /**
     * Not derived from KAFKA_TOPIC_PREFIX: a deployment that set that before would find its
     * groups renamed on upgrade, and new groups read every topic again from the beginning.
     * It must hold the service's name (`readServiceConfig`).
     */
    KAFKA_GROUP_PREFIX: text(/^[A-Za-z0-9._-]{1,100}$/, '1-100 characters of A-Z a-z 0-9 . _ -', {
      default: service,
    }),
    /** A consumer silent this long (a crashed process) loses its partitions to the others. */
    // 10 s, not kafkajs' 30: a dead gateway's rooms must not go quiet for half a minute.
    KAFKA_SESSION_TIMEOUT_MS: integer({ min: 6_000, max: 300_000 }, { default: 10_000 }),
    KAFKA_TOPIC_PREFIX: optional(
      text(/^[A-Za-z0-9_-]{1,50}\.$/, 'up to 50 characters of A-Z a-z 0-9 _ - ending in a dot'),
    ),
    ...KAFKA_SECURITY_ENV,
    SHUTDOWN_TIMEOUT_MS: integer({ min: 100, max: 120_000 }, { default: 10_000 }),
    // Never a range a client can connect from (not `loopback`: on the local stack every
    // process is a loopback client): the edge's own address (docs/security.md).
    TRUST_PROXY: trustedProxies({ default: LOCAL_EDGE_SOURCE_ADDRESS }),
  } satisfies EnvSpec;
}

export interface ServiceConfig {
  readonly service: ServiceName;
  /** Unique per running process: names its Kafka client and, later, its consumer groups. */
  readonly instanceId: string;
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly logLevel: LogLevel;
  readonly logFormat: 'json' | 'pretty';
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  /** The PostgreSQL schema this service owns. */
  readonly databaseSchema: string;
  readonly kafkaBrokers: readonly string[];
  /** Consumer groups of this service are named `<prefix>.<consumer>`; all instances share them. */
  readonly kafkaGroupPrefix: string;
  /**
   * Put before every domain topic's name (`<prefix><domain>.<stream>`), so that several
   * systems, or test suites, can share one Kafka cluster; empty by default.
   */
  readonly kafkaTopicPrefix: string;
  /** Consumer groups' session timeout: how soon a crashed member's partitions move on. */
  readonly kafkaSessionTimeoutMs: number;
  /** TLS and SASL of every Kafka client of the service (`KAFKA_TLS*`, `KAFKA_SASL_*`). */
  readonly kafkaSecurity: KafkaSecurity;
  readonly shutdownTimeoutMs: number;
  /** Which proxies' X-Forwarded-For is believed (Express `trust proxy`): the edge's address. */
  readonly trustProxy: string;
}

/**
 * Reads a service's configuration from the environment. `extra` declares the variables
 * only this service reads; the parsed values come back under `extra`, the common
 * variables' among them (their typed fields above are what the platform reads).
 */
export function readServiceConfig<S extends EnvSpec = Record<never, never>>(
  service: ServiceName,
  env: Readonly<Record<string, string | undefined>> = process.env,
  extra?: S,
): ServiceConfig & { readonly extra: ParsedEnv<S> } {
  const spec = { ...commonSpec(service), ...(extra ?? {}) };
  const parsed = parseEnv(env, spec) as ParsedEnv<ReturnType<typeof commonSpec>> & ParsedEnv<S>;
  const nodeEnv = parsed.NODE_ENV;
  if (nodeEnv === 'production' && (env['DATABASE_URL'] ?? '').trim() === '') {
    // The default is the local stack's database and its well-known password.
    throw new ConfigError(['DATABASE_URL is required in production']);
  }
  // Services name some of their groups alike (`saga-participant`, `login-revocations`):
  // two services under one prefix would be one group, each reading only part of the
  // topics, silently. A prefix that ends in the service's name is the service's own (no
  // service's name ends another's).
  if (!endsInName(parsed.KAFKA_GROUP_PREFIX, service)) {
    throw new ConfigError([
      `KAFKA_GROUP_PREFIX must be the service's name or end in it after a . - or _ (such as staging.${service}), so that no two services share a consumer group (got "${parsed.KAFKA_GROUP_PREFIX}")`,
    ]);
  }
  return {
    service,
    instanceId: parsed.INSTANCE_ID ?? `${service}-${hostname()}-${parsed.PORT}`,
    nodeEnv,
    logLevel: parsed.LOG_LEVEL,
    logFormat: parsed.LOG_FORMAT ?? (nodeEnv === 'development' ? 'pretty' : 'json'),
    host: parsed.HOST,
    port: parsed.PORT,
    databaseUrl: parsed.DATABASE_URL,
    databasePoolSize: parsed.DATABASE_POOL_SIZE,
    databaseSchema: SERVICES[service].schema,
    kafkaBrokers: parsed.KAFKA_BROKERS,
    kafkaGroupPrefix: parsed.KAFKA_GROUP_PREFIX,
    kafkaTopicPrefix: parsed.KAFKA_TOPIC_PREFIX ?? '',
    kafkaSessionTimeoutMs: parsed.KAFKA_SESSION_TIMEOUT_MS,
    kafkaSecurity: kafkaSecurityOf(parsed),
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    trustProxy: parsed.TRUST_PROXY,
    extra: parsed,
  };
}

/** Whether `prefix` is `service` or ends in it after a separator. */
function endsInName(prefix: string, service: ServiceName): boolean {
  return (
    prefix === service ||
    ['.', '-', '_'].some((separator) => prefix.endsWith(`${separator}${service}`))
  );
}
