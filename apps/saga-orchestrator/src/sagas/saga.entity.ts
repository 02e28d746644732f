import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { SagaHistoryEntry, SagaState, SagaStatus } from '../engine/saga-engine';

@Entity({ name: 'sagas' })
@Check('CHK_sagas_status', `"status" IN ('running', 'compensating', 'completed', 'compensated')`)
@Index('IDX_sagas_deadline', ['deadline'], { where: `"status" IN ('running', 'compensating')` })
export class SagaRecord {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_sagas' })
  id!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  status!: SagaStatus;

  @Column({ type: 'integer' })
  step!: number;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'timestamptz', nullable: true })
  deadline!: Date | null;

  @Column({ type: 'text', nullable: true })
  failure!: string | null;

  @Column({ type: 'jsonb' })
  history!: SagaHistoryEntry[];

  /** The starting request's; its commands and log lines carry it too. */
  @Column({ type: 'text', name: 'correlation_id', nullable: true })
  correlationId!: string | null;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', name: 'updated_at' })
  updatedAt!: Date;
}

export function stateOf(record: SagaRecord): SagaState {
  return {
    id: record.id,
    type: record.type,
    status: record.status,
    step: record.step,
    attempt: record.attempt,
    payload: record.payload,
    deadline: record.deadline === null ? null : record.deadline.getTime(),
    ...(record.failure === null ? {} : { failure: record.failure }),
    history: record.history,
  };
}

export function recordOf(
  state: SagaState,
): Omit<SagaRecord, 'createdAt' | 'updatedAt' | 'correlationId'> {
  return {
    id: state.id,
    type: state.type,
    status: state.status,
    step: state.step,
    attempt: state.attempt,
    payload: { ...state.payload },
    deadline: state.deadline === null ? null : new Date(state.deadline),
    failure: state.failure ?? null,
    history: [...state.history],
  };
}
