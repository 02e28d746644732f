import { Controller, Get, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { AccessTokenGuard, AdminGuard, ParseIdPipe } from '@scale-chat/platform';
import type { SagaHistoryEntry } from '../engine/saga-engine';
import { SagasRepository } from './sagas.repository';

export interface SagaView {
  readonly id: string;
  readonly type: string;
  readonly status: string;
  readonly step: number;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly failure: string | null;
  readonly deadline: string | null;
  readonly correlationId: string | null;
  readonly history: readonly SagaHistoryEntry[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * `GET /api/sagas/:id`: one saga's state and history, for operators (administrators
 * only; served on the orchestrator's own port, not through the edge).
 */
@UseGuards(AccessTokenGuard, AdminGuard)
@Controller('api/sagas')
export class SagasController {
  constructor(private readonly sagas: SagasRepository) {}

  @Get(':id')
  async saga(@Param('id', new ParseIdPipe('Saga not found')) id: string): Promise<SagaView> {
    const record = await this.sagas.findById(id);
    if (record === null) throw new NotFoundException('Saga not found');
    return {
      id: record.id,
      type: record.type,
      status: record.status,
      step: record.step,
      payload: record.payload,
      failure: record.failure,
      deadline: record.deadline?.toISOString() ?? null,
      correlationId: record.correlationId,
      history: record.history,
      createdAt: record.createdAt.toISOString(),
      updatedAt: record.updatedAt.toISOString(),
    };
  }
}
