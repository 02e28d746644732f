import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { SagaRecord } from './saga.entity';

/** A saga past its step's deadline, as the timeout sweep first reads it. */
export interface Overdue {
  readonly id: string;
  readonly deadline: Date;
}

/**
 * The sagas' data access: their state rows. Injected, it works through the pool;
 * `in(manager)` gives the same operations inside the caller's transaction.
 */
@Injectable()
export class SagasRepository {
  constructor(@InjectEntityManager() private readonly manager: EntityManager) {}

  in(manager: EntityManager): SagasRepository {
    return new SagasRepository(manager);
  }

  findById(id: string): Promise<SagaRecord | null> {
    return this.manager.findOneBy(SagaRecord, { id });
  }

  /** The saga, locked until the transaction ends: its replies are applied one at a time. */
  findForUpdate(id: string): Promise<SagaRecord | null> {
    return this.manager
      .getRepository(SagaRecord)
      .createQueryBuilder('saga')
      .setLock('pessimistic_write')
      .where('saga.id = :id', { id })
      .getOne();
  }

  /**
   * Running or compensating sagas whose step's deadline passed, earliest first: `limit`
   * of them after `after` (a page of the previous call), unlocked.
   */
  async overdue(after: Overdue | undefined, limit: number): Promise<Overdue[]> {
    const rows = (await this.manager.query(
      `SELECT "id", "deadline" FROM "sagas"
        WHERE "status" IN ('running', 'compensating') AND "deadline" < now()
          ${after === undefined ? '' : 'AND ("deadline", "id") > ($2, $3)'}
        ORDER BY "deadline", "id" LIMIT $1`,
      after === undefined ? [limit] : [limit, after.deadline, after.id],
    )) as Overdue[];
    return rows;
  }

  /**
   * Those of the sagas `ids` still overdue, locked, earliest first; those another
   * instance's sweep holds are skipped.
   */
  overdueForUpdate(ids: readonly string[]): Promise<SagaRecord[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.manager
      .getRepository(SagaRecord)
      .createQueryBuilder('saga')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`saga.id IN (:...ids)`, { ids })
      .andWhere(`saga.status IN ('running', 'compensating') AND saga.deadline < now()`)
      .orderBy('saga.deadline')
      .getMany();
  }

  // Explicit statements: save() would look the row up first to choose between them.
  async insert(saga: QueryDeepPartialEntity<SagaRecord>): Promise<void> {
    await this.manager.insert(SagaRecord, saga);
  }

  async update(id: string, changes: QueryDeepPartialEntity<SagaRecord>): Promise<void> {
    await this.manager.update(SagaRecord, { id }, changes);
  }
}
