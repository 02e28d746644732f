import { Injectable } from '@nestjs/common';
import { InjectEntityManager } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { SagaRecord } from './saga.entity';

/** The most sagas one timeout sweep takes on. */
const SWEEP_BATCH = 50;

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
   * Running or compensating sagas whose step's deadline passed, earliest first, locked;
   * those another instance's sweep holds are skipped.
   */
  dueForUpdate(): Promise<SagaRecord[]> {
    return this.manager
      .getRepository(SagaRecord)
      .createQueryBuilder('saga')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where(`saga.status IN ('running', 'compensating') AND saga.deadline < now()`)
      .orderBy('saga.deadline')
      .limit(SWEEP_BATCH)
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
