import type { MixedList } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { ServiceConfig } from '../config';
import {
  CreateDeadLetters1766000000000,
  CreateMessagingTables1763800000000,
  DeadLetterOncePerRecord1767900000000,
  DeadLettersOfNonEvents1767000000000,
  DeletePublishedOutboxRows1767700000000,
  MESSAGING_ENTITIES,
  NotifyOutboxPerSchema1767800000000,
  ProcessedMessagesByTopic1768400000000,
  DeadLetterKeysAndHeaders1768800000000,
  SagaCommandReplies1768300000000,
} from '../messaging';
import { CreateRateLimitWindows1767200000000 } from '../http/rate-limit-windows.migration';

// TypeORM's own option types, spelled once.
type Entities = NonNullable<PostgresConnectionOptions['entities']>;
type Migrations = MixedList<string | (new () => unknown)>;

export interface DatabaseOptions {
  readonly entities?: Entities;
  readonly migrations?: Migrations;
}

/**
 * The service's TypeORM options: its own schema (also as the search path), migrations only (never `synchronize`),
 * a bounded pool, and the instance id as the connection's application name so that
 * `pg_stat_activity` tells the processes apart.
 */
export function dataSourceOptions(
  config: Pick<ServiceConfig, 'databaseUrl' | 'databaseSchema' | 'databasePoolSize' | 'instanceId'>,
  options: DatabaseOptions = {},
): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: config.databaseUrl,
    schema: config.databaseSchema,
    // Every schema has the outbox, processed-messages, dead-letters, rate-limit and
    // saga-reply tables.
    entities: [...MESSAGING_ENTITIES, ...toArray(options.entities)],
    migrations: [
      CreateMessagingTables1763800000000,
      ...toArray(options.migrations),
      CreateDeadLetters1766000000000,
      DeadLettersOfNonEvents1767000000000,
      CreateRateLimitWindows1767200000000,
      DeletePublishedOutboxRows1767700000000,
      NotifyOutboxPerSchema1767800000000,
      DeadLetterOncePerRecord1767900000000,
      SagaCommandReplies1768300000000,
      ProcessedMessagesByTopic1768400000000,
      DeadLetterKeysAndHeaders1768800000000,
    ],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    applicationName: config.instanceId,
    extra: {
      max: config.databasePoolSize,
      connectionTimeoutMillis: 5_000,
      // Unqualified names in raw SQL resolve to the service's own schema and nowhere else.
      options: `-c search_path=${config.databaseSchema}`,
    },
  };
}

function toArray<T>(list: T[] | Record<string, T> | undefined): T[] {
  if (list === undefined) return [];
  return Array.isArray(list) ? list : Object.values(list);
}
