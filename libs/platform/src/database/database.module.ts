import type { DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { ServiceConfig } from '../config';
import { dataSourceOptions, type DatabaseOptions } from './data-source-options';
import { migrateUnderLock } from './migrate-under-lock';
import { TypeOrmPinoLogger } from './typeorm-pino-logger';

/**
 * TypeORM for one service. The data source is handed out only after the service's
 * migrations have run, so nothing can query a table that does not exist yet.
 */
export function databaseModule(config: ServiceConfig, options: DatabaseOptions): DynamicModule {
  return TypeOrmModule.forRootAsync({
    inject: [PinoLogger],
    useFactory: (logger: PinoLogger) => ({
      ...dataSourceOptions(config, options),
      logger: new TypeOrmPinoLogger(logger.logger.child({ component: 'typeorm' })),
      maxQueryExecutionTime: 1_000,
      retryAttempts: 5,
      retryDelay: 2_000,
    }),
    dataSourceFactory: async (typeOrmOptions) => {
      if (typeOrmOptions === undefined) {
        throw new Error('TypeORM options are missing');
      }
      const dataSource = await new DataSource(typeOrmOptions).initialize();
      try {
        await migrateUnderLock(dataSource, config.databaseSchema);
      } catch (error) {
        await dataSource.destroy();
        throw error;
      }
      return dataSource;
    },
  });
}
